// Translation unit that owns the shared LibTorch precompiled header (see hitforge_use_torch_pch).
