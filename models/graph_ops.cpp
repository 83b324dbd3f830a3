#include "models/graph_ops.h"

#include <cstring>
#include <vector>

#include <torch/torch.h>

namespace hitforge::models {
namespace {

// The row loops are compiled for AVX-512 and AVX2 besides the baseline ISA, chosen at load time (the build targets
// plain x86-64). Float additions and subtractions round the same in every ISA, so results do not depend on the
// clone. bfloat16 follows c10::BFloat16: widen to float, operate, round to nearest even (NaN -> 0x7FC0), written
// branch-free so that it vectorises.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define HITFORGE_ROW_CLONES __attribute__((target_clones("default", "avx2", "arch=x86-64-v4")))
#else
#define HITFORGE_ROW_CLONES
#endif

inline float widen(std::uint16_t x) {
  std::uint32_t u = static_cast<std::uint32_t>(x) << 16;
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}

inline std::uint16_t round_bf16(float f) {
  std::uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  std::uint32_t r = (u + 0x7FFFu + ((u >> 16) & 1u)) >> 16;
  return f != f ? std::uint16_t{0x7FC0} : static_cast<std::uint16_t>(r);
}

// out[idx[i]] += in[i] for rows i = 0..n-1 of width d (indices already checked).
HITFORGE_ROW_CLONES void sum_rows_f32(float* out, const float* in, const std::int64_t* idx, std::int64_t n,
                                      std::int64_t d) {
  for (std::int64_t i = 0; i < n; ++i) {
    float* o = out + idx[i] * d;
    const float* r = in + i * d;
    for (std::int64_t j = 0; j < d; ++j) o[j] += r[j];
  }
}

HITFORGE_ROW_CLONES void sum_rows_bf16(std::uint16_t* out, const std::uint16_t* in, const std::int64_t* idx,
                                       std::int64_t n, std::int64_t d) {
  for (std::int64_t i = 0; i < n; ++i) {
    std::uint16_t* o = out + idx[i] * d;
    const std::uint16_t* r = in + i * d;
    for (std::int64_t j = 0; j < d; ++j) o[j] = round_bf16(widen(o[j]) + widen(r[j]));
  }
}

// out[b] = a[src[b]] - h[rev[b]] for rows b = 0..n-1 (indices already checked).
HITFORGE_ROW_CLONES void messages_f32(float* out, const float* a, const float* h, const std::int64_t* src,
                                      const std::int64_t* rev, std::int64_t n, std::int64_t d) {
  for (std::int64_t b = 0; b < n; ++b) {
    float* o = out + b * d;
    const float* x = a + src[b] * d;
    const float* y = h + rev[b] * d;
    for (std::int64_t j = 0; j < d; ++j) o[j] = x[j] - y[j];
  }
}

HITFORGE_ROW_CLONES void messages_bf16(std::uint16_t* out, const std::uint16_t* a, const std::uint16_t* h,
                                       const std::int64_t* src, const std::int64_t* rev, std::int64_t n,
                                       std::int64_t d) {
  for (std::int64_t b = 0; b < n; ++b) {
    std::uint16_t* o = out + b * d;
    const std::uint16_t* x = a + src[b] * d;
    const std::uint16_t* y = h + rev[b] * d;
    for (std::int64_t j = 0; j < d; ++j) o[j] = round_bf16(widen(x[j]) - widen(y[j]));
  }
}

// A hash of a row's bytes (four independent multiply-xor lanes over 8-byte words, then the tail).
HITFORGE_ROW_CLONES std::uint64_t row_hash(const unsigned char* p, std::size_t bytes) {
  std::uint64_t h[4] = {0x9E3779B97F4A7C15ull, 0xC2B2AE3D27D4EB4Full, 0x165667B19E3779F9ull, 0x27D4EB2F165667C5ull};
  std::size_t i = 0;
  for (; i + 32 <= bytes; i += 32) {
    for (int l = 0; l < 4; ++l) {
      std::uint64_t w;
      std::memcpy(&w, p + i + 8 * l, 8);
      h[l] = (h[l] ^ w) * 0xFF51AFD7ED558CCDull;
    }
  }
  std::uint64_t t = 0;
  for (; i < bytes; ++i) t = (t << 8) | p[i];
  std::uint64_t r = h[0] ^ (h[1] >> 17) ^ (h[2] << 13) ^ (h[3] >> 29) ^ t * 0xC4CEB9FE1A85EC53ull;
  r ^= r >> 33;
  r *= 0xFF51AFD7ED558CCDull;
  return r ^ (r >> 29);
}

void check_index(const torch::Tensor& index, std::int64_t n, std::int64_t bound, const char* what) {
  TORCH_CHECK(index.scalar_type() == torch::kLong && index.dim() == 1 && index.size(0) == n && index.is_contiguous(),
              "graph_ops: ", what, " must be a contiguous int64 vector of length ", n);
  const std::int64_t* p = index.data_ptr<std::int64_t>();
  for (std::int64_t i = 0; i < n; ++i)
    TORCH_CHECK_INDEX(p[i] >= 0 && p[i] < bound, "graph_ops: ", what, "[", i, "] = ", p[i], " out of range [0, ",
                      bound, ")");
}

template <typename T>
T* ptr(const torch::Tensor& t) {
  return static_cast<T*>(t.data_ptr());
}

}  // namespace

bool graph_ops_apply(const torch::Tensor& rows) {
  return rows.defined() && rows.device().is_cpu() && rows.dim() == 2 && rows.is_contiguous() &&
         !rows.requires_grad() && (rows.scalar_type() == torch::kFloat || rows.scalar_type() == torch::kBFloat16);
}

torch::Tensor sum_rows_into(const torch::Tensor& rows, const torch::Tensor& index, std::int64_t n_out) {
  TORCH_CHECK(graph_ops_apply(rows), "sum_rows_into: rows must be CPU, contiguous, 2-D float32/bfloat16, no grad");
  const std::int64_t n = rows.size(0), d = rows.size(1);
  check_index(index, n, n_out, "index");
  torch::Tensor out = torch::zeros({n_out, d}, rows.options());
  const std::int64_t* idx = index.data_ptr<std::int64_t>();
  if (rows.scalar_type() == torch::kFloat)
    sum_rows_f32(ptr<float>(out), ptr<const float>(rows), idx, n, d);
  else
    sum_rows_bf16(ptr<std::uint16_t>(out), ptr<const std::uint16_t>(rows), idx, n, d);
  return out;
}

torch::Tensor directed_messages(const torch::Tensor& atom_sum, const torch::Tensor& h, const torch::Tensor& src,
                                const torch::Tensor& rev) {
  TORCH_CHECK(graph_ops_apply(atom_sum) && graph_ops_apply(h) && atom_sum.scalar_type() == h.scalar_type() &&
                  atom_sum.size(1) == h.size(1),
              "directed_messages: atom_sum and h must be CPU, contiguous, 2-D, one float dtype and width, no grad");
  const std::int64_t n = h.size(0), d = h.size(1);
  check_index(src, n, atom_sum.size(0), "src");
  check_index(rev, n, n, "rev");
  torch::Tensor m = torch::empty_like(h);
  const std::int64_t* s = src.data_ptr<std::int64_t>();
  const std::int64_t* r = rev.data_ptr<std::int64_t>();
  if (h.scalar_type() == torch::kFloat)
    messages_f32(ptr<float>(m), ptr<const float>(atom_sum), ptr<const float>(h), s, r, n, d);
  else
    messages_bf16(ptr<std::uint16_t>(m), ptr<const std::uint16_t>(atom_sum), ptr<const std::uint16_t>(h), s, r, n, d);
  return m;
}

torch::Tensor repeated_rows_linear(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias) {
  if (!x.defined() || !x.device().is_cpu() || x.scalar_type() != torch::kFloat || x.dim() != 2 || !x.is_contiguous())
    return {};
  if (torch::GradMode::is_enabled() &&
      (x.requires_grad() || weight.requires_grad() || (bias.defined() && bias.requires_grad())))
    return {};
  const std::int64_t n = x.size(0), in = x.size(1);
  const std::size_t row_bytes = sizeof(float) * static_cast<std::size_t>(in);
  const auto* base = static_cast<const unsigned char*>(x.data_ptr());
  // Open addressing on a power-of-two table of >= 4n slots (at most an eighth full, as the scan stops at n/2
  // distinct rows); a slot holds a distinct row's index + 1.
  std::size_t slots = 16;
  while (slots < 4 * static_cast<std::size_t>(n)) slots <<= 1;
  std::vector<std::int32_t> table(slots, 0);
  std::vector<std::int64_t> first;     // input row of each distinct row
  std::vector<std::int64_t> which(n);  // distinct row of each input row
  for (std::int64_t i = 0; i < n; ++i) {
    const unsigned char* row = base + i * row_bytes;
    std::size_t s = row_hash(row, row_bytes) & (slots - 1);
    for (;; s = (s + 1) & (slots - 1)) {
      if (table[s] == 0) {
        if (2 * static_cast<std::int64_t>(first.size() + 1) > n && n > 1) return {};
        first.push_back(i);
        table[s] = static_cast<std::int32_t>(first.size());
        which[i] = table[s] - 1;
        break;
      }
      if (std::memcmp(base + first[table[s] - 1] * row_bytes, row, row_bytes) == 0) {
        which[i] = table[s] - 1;
        break;
      }
    }
  }
  const auto n_distinct = static_cast<std::int64_t>(first.size());
  torch::Tensor distinct = torch::empty({n_distinct, in}, x.options());
  auto* d = static_cast<unsigned char*>(distinct.data_ptr());
  for (std::int64_t u = 0; u < n_distinct; ++u) std::memcpy(d + u * row_bytes, base + first[u] * row_bytes, row_bytes);
  const torch::Tensor y_distinct = torch::nn::functional::linear(distinct, weight, bias).contiguous();
  torch::Tensor y = torch::empty({n, y_distinct.size(1)}, y_distinct.options());
  const std::size_t out_bytes = y_distinct.element_size() * static_cast<std::size_t>(y_distinct.size(1));
  const auto* src = static_cast<const unsigned char*>(y_distinct.data_ptr());
  auto* dst = static_cast<unsigned char*>(y.data_ptr());
  for (std::int64_t i = 0; i < n; ++i) std::memcpy(dst + i * out_bytes, src + which[i] * out_bytes, out_bytes);
  return y;
}

}  // namespace hitforge::models
