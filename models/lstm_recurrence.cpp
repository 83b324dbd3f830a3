#include "models/lstm_recurrence.h"

#include <ATen/autocast_mode.h>
#include <c10/core/impl/LocalDispatchKeySet.h>
#include <torch/torch.h>

namespace hitforge::models {

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// Row offset of each time step in the packed layout, plus the total row count at the end.
std::vector<std::int64_t> step_offsets(const std::vector<std::int64_t>& batch_sizes) {
  std::vector<std::int64_t> off(batch_sizes.size() + 1, 0);
  for (std::size_t t = 0; t < batch_sizes.size(); ++t) {
    TORCH_CHECK(batch_sizes[t] >= 1 && (t == 0 || batch_sizes[t] <= batch_sizes[t - 1]),
                "lstm_recurrence: batch sizes must be positive and non-increasing");
    off[t + 1] = off[t] + batch_sizes[t];
  }
  return off;
}

// c ← f⊙c_prev + i⊙g over `n` = rows·H cells of one step (`gates` rows are [i f g o], 4H wide; c_prev null at t = 0).
void cell_state(const float* __restrict gates, const float* __restrict c_prev, float* __restrict c, std::int64_t rows,
                std::int64_t h) {
  for (std::int64_t r = 0; r < rows; ++r) {
    const float* __restrict gi = gates + r * 4 * h;
    const float* __restrict gf = gi + h;
    const float* __restrict gg = gi + 2 * h;
    float* __restrict cr = c + r * h;
    if (c_prev) {
      const float* __restrict cp = c_prev + r * h;
      for (std::int64_t j = 0; j < h; ++j) cr[j] = gf[j] * cp[j] + gi[j] * gg[j];
    } else {
      for (std::int64_t j = 0; j < h; ++j) cr[j] = gi[j] * gg[j];
    }
  }
}

// h ← o⊙tanh(c).
void hidden_state(const float* __restrict gates, const float* __restrict tanh_c, float* __restrict out,
                  std::int64_t rows, std::int64_t h) {
  for (std::int64_t r = 0; r < rows; ++r) {
    const float* __restrict go = gates + r * 4 * h + 3 * h;
    const float* __restrict tc = tanh_c + r * h;
    float* __restrict y = out + r * h;
    for (std::int64_t j = 0; j < h; ++j) y[j] = go[j] * tc[j];
  }
}

// Backward through one step's cell for `rows` rows, of which the first `carried` also feed step t + 1 (their
// dh_carry / dc_carry rows hold the gradient coming back from it). Writes the pre-activation gate gradients and
// overwrites dc_carry with the gradient of the previous cell state.
void cell_backward(const float* __restrict gates, const float* __restrict tanh_c, const float* __restrict c_prev,
                   const float* __restrict grad_y, const float* __restrict dh_carry, float* __restrict dc_carry,
                   float* __restrict dgates, std::int64_t rows, std::int64_t carried, std::int64_t h) {
  for (std::int64_t r = 0; r < rows; ++r) {
    const float* __restrict gi = gates + r * 4 * h;
    const float* __restrict gf = gi + h;
    const float* __restrict gg = gi + 2 * h;
    const float* __restrict go = gi + 3 * h;
    const float* __restrict tc = tanh_c + r * h;
    const float* __restrict gy = grad_y + r * h;
    const float* __restrict dhn = dh_carry + r * h;
    float* __restrict dcn = dc_carry + r * h;
    float* __restrict di = dgates + r * 4 * h;
    float* __restrict df = di + h;
    float* __restrict dg = di + 2 * h;
    float* __restrict dout = di + 3 * h;
    const bool carry = r < carried;
    const float* __restrict cp = c_prev ? c_prev + r * h : nullptr;
    for (std::int64_t j = 0; j < h; ++j) {
      const float dh = gy[j] + (carry ? dhn[j] : 0.0f);
      const float o = go[j], t = tc[j], i = gi[j], f = gf[j], g = gg[j];
      const float dc = dh * o * (1.0f - t * t) + (carry ? dcn[j] : 0.0f);
      dout[j] = dh * t * o * (1.0f - o);
      di[j] = dc * g * i * (1.0f - i);
      df[j] = cp ? dc * cp[j] * f * (1.0f - f) : 0.0f;
      dg[j] = dc * i * (1.0f - g * g);
      dcn[j] = dc * f;
    }
  }
}

class LstmRecurrence : public torch::autograd::Function<LstmRecurrence> {
 public:
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& pre, const at::Tensor& w_hh,
                            const std::vector<std::int64_t>& batch_sizes) {
    // Products below are issued in the precision chosen here, not re-cast by an enclosing autocast region.
    c10::impl::ExcludeDispatchKeyGuard no_autocast(c10::DispatchKey::AutocastCPU);
    const auto off = step_offsets(batch_sizes);
    const std::int64_t n = off.back(), h = w_hh.size(1);
    TORCH_CHECK(pre.dim() == 2 && pre.size(0) == n && pre.size(1) == 4 * h && w_hh.size(0) == 4 * h,
                "lstm_recurrence: pre must be [", n, ", ", 4 * h, "] for w_hh ", w_hh.sizes(), ", got ", pre.sizes());
    TORCH_CHECK(pre.device().is_cpu(), "lstm_recurrence runs on the CPU");
    const auto low = pre.scalar_type();  // bf16 under autocast: the recurrent products run in it
    auto gates = pre.to(torch::kFloat, /*non_blocking=*/false, /*copy=*/true).contiguous();
    auto w_t = w_hh.t().to(low).contiguous();
    auto c = torch::empty({n, h}, gates.options());
    auto tanh_c = torch::empty({n, h}, gates.options());
    auto y = torch::empty({n, h}, gates.options());
    float* gp = gates.data_ptr<float>();
    float* cp = c.data_ptr<float>();
    float* tp = tanh_c.data_ptr<float>();
    float* yp = y.data_ptr<float>();
    for (std::size_t t = 0; t < batch_sizes.size(); ++t) {
      const std::int64_t bs = batch_sizes[t], o = off[t];
      auto g = gates.narrow(0, o, bs);
      if (t > 0) {
        auto h_prev = y.narrow(0, off[t - 1], bs);
        if (low == torch::kFloat) g.addmm_(h_prev, w_t);
        else g.add_(torch::mm(h_prev.to(low), w_t));
      }
      g.narrow(1, 0, 2 * h).sigmoid_();
      g.narrow(1, 2 * h, h).tanh_();
      g.narrow(1, 3 * h, h).sigmoid_();
      cell_state(gp + o * 4 * h, t > 0 ? cp + off[t - 1] * h : nullptr, cp + o * h, bs, h);
      auto tc = tanh_c.narrow(0, o, bs);
      torch::tanh_out(tc, c.narrow(0, o, bs));
      hidden_state(gp + o * 4 * h, tp + o * h, yp + o * h, bs, h);
    }
    ctx->save_for_backward({gates, c, tanh_c, y, w_hh});
    ctx->saved_data["batch_sizes"] = batch_sizes;
    ctx->saved_data["low"] = static_cast<std::int64_t>(low);
    return y;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grad_outputs) {
    TORCH_CHECK(!torch::GradMode::is_enabled(),
                "lstm_recurrence: double backward (create_graph) is not supported; its backward is hand-written");
    c10::impl::ExcludeDispatchKeyGuard no_autocast(c10::DispatchKey::AutocastCPU);
    const auto saved = ctx->get_saved_variables();
    const auto &gates = saved[0], &c = saved[1], &tanh_c = saved[2], &y = saved[3], &w_hh = saved[4];
    const auto batch_sizes = ctx->saved_data["batch_sizes"].toIntVector();
    const auto low = static_cast<at::ScalarType>(ctx->saved_data["low"].toInt());
    const auto off = step_offsets(batch_sizes);
    const std::int64_t n = off.back(), h = w_hh.size(1), b0 = batch_sizes.front();
    auto grad_y = grad_outputs[0].to(torch::kFloat).contiguous();
    auto w = w_hh.to(low).contiguous();
    // dW_hh's product runs over the n - b0 rows after the first step, in bf16 rounded up to gemm_rows (zero rows)
    const std::int64_t k = n - b0, k_rows = low == torch::kFloat ? k : gemm_rows(k);
    auto dgates = torch::empty({b0 + k_rows, 4 * h}, gates.options());
    if (k_rows > k) dgates.narrow(0, n, k_rows - k).zero_();
    auto dh_carry = torch::zeros({b0, h}, gates.options());
    auto dc_carry = torch::zeros({b0, h}, gates.options());
    const float* gp = gates.data_ptr<float>();
    const float* cp = c.data_ptr<float>();
    const float* tp = tanh_c.data_ptr<float>();
    const float* gyp = grad_y.data_ptr<float>();
    float* dgp = dgates.data_ptr<float>();
    for (std::size_t s = batch_sizes.size(); s-- > 0;) {
      const std::int64_t bs = batch_sizes[s], o = off[s];
      const std::int64_t carried = s + 1 < batch_sizes.size() ? batch_sizes[s + 1] : 0;
      cell_backward(gp + o * 4 * h, tp + o * h, s > 0 ? cp + off[s - 1] * h : nullptr, gyp + o * h,
                    dh_carry.data_ptr<float>(), dc_carry.data_ptr<float>(), dgp + o * 4 * h, bs, carried, h);
      if (s == 0) break;
      auto dg = dgates.narrow(0, o, bs);
      auto dh = dh_carry.narrow(0, 0, bs);
      if (low == torch::kFloat) torch::mm_out(dh, dg, w);
      else dh.copy_(torch::mm(dg.to(low), w));
    }
    // dW_hh = Σ_t dgates_tᵀ · h_{t-1}: rows of every step after the first against the previous step's outputs.
    at::Tensor grad_w;
    if (batch_sizes.size() > 1) {
      std::vector<at::Tensor> prev;
      prev.reserve(batch_sizes.size() - 1);
      for (std::size_t t = 1; t < batch_sizes.size(); ++t) prev.push_back(y.narrow(0, off[t - 1], batch_sizes[t]));
      if (k_rows > k) prev.push_back(torch::zeros({k_rows - k, h}, y.options()));
      auto h_prev = torch::cat(prev, 0);
      auto dg_rest = dgates.narrow(0, b0, k_rows);
      grad_w = low == torch::kFloat ? torch::mm(dg_rest.t(), h_prev)
                                    : torch::mm(dg_rest.t().to(low), h_prev.to(low)).to(torch::kFloat);
    } else {
      grad_w = torch::zeros_like(w_hh);
    }
    return {dgates.narrow(0, 0, n).to(low), grad_w.to(w_hh.scalar_type()), at::Tensor()};
  }
};

}  // namespace

std::int64_t gemm_rows(std::int64_t n) {
  if (n <= 0) return n;
  std::int64_t q = 64;
  while (q * 32 <= n) q *= 2;
  return (n + q - 1) / q * q;
}

at::Tensor lstm_recurrence(const at::Tensor& pre, const at::Tensor& w_hh, const std::vector<std::int64_t>& batch_sizes) {
  if (batch_sizes.empty()) return torch::zeros({0, w_hh.size(1)}, pre.options().dtype(torch::kFloat));
  if (!pre.device().is_cpu()) return lstm_recurrence_by_steps(pre, w_hh, batch_sizes);
  return LstmRecurrence::apply(pre, w_hh, batch_sizes);
}

at::Tensor lstm_recurrence_by_steps(const at::Tensor& pre, const at::Tensor& w_hh,
                                    const std::vector<std::int64_t>& batch_sizes) {
  step_offsets(batch_sizes);  // checks the sizes
  const std::int64_t h_dim = w_hh.size(1);
  if (batch_sizes.empty()) return torch::zeros({0, h_dim}, w_hh.options());
  // one split per layer (its backward is one concatenation; a narrow per step would zero-fill the whole [N, 4H]
  // gradient once per step)
  auto steps = pre.split_with_sizes(batch_sizes, 0);
  // Under CPU autocast every addmm casts its operands; the cast cache skips the non-leaf transpose, so cast it once.
  auto w_t = w_hh.t();
  if (pre.device().is_cpu() && at::autocast::is_cpu_enabled()) w_t = w_t.to(at::autocast::get_autocast_cpu_dtype());
  auto h = torch::zeros({batch_sizes.front(), h_dim}, w_hh.options());
  auto c = torch::zeros({batch_sizes.front(), h_dim}, w_hh.options());
  std::vector<at::Tensor> outs;
  outs.reserve(batch_sizes.size());
  for (std::size_t t = 0; t < batch_sizes.size(); ++t) {
    const std::int64_t bs = batch_sizes[t];
    if (bs < h.size(0)) {
      h = h.narrow(0, 0, bs);
      c = c.narrow(0, 0, bs);
    }
    auto g = (t == 0 ? steps[t] : torch::addmm(steps[t], h, w_t)).chunk(4, 1);
    c = torch::sigmoid(g[1]) * c + torch::sigmoid(g[0]) * torch::tanh(g[2]);
    h = torch::sigmoid(g[3]) * torch::tanh(c);
    outs.push_back(h);
  }
  return torch::cat(outs, 0);
}

}  // namespace hitforge::models
