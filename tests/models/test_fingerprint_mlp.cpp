#include <catch2/catch.hpp>
#include <torch/torch.h>

#include "core/error.h"
#include "models/fingerprint_mlp.h"

using hitforge::models::FingerprintMLP;
using hitforge::models::FingerprintMLPOptions;
using hitforge::models::packed_bits_to_indices;

namespace {

std::vector<std::int64_t> as_vec(const torch::Tensor& t) {
  return {t.data_ptr<std::int64_t>(), t.data_ptr<std::int64_t>() + t.numel()};
}

// LSB-first packing of a [B, n_bits] 0/1 tensor, as the dataset's packed_bits stores it.
std::vector<std::uint8_t> pack(const torch::Tensor& bits) {
  const std::int64_t batch = bits.size(0), n_bits = bits.size(1), n_bytes = (n_bits + 7) / 8;
  std::vector<std::uint8_t> out(batch * n_bytes, 0);
  auto acc = bits.accessor<float, 2>();
  for (std::int64_t r = 0; r < batch; ++r)
    for (std::int64_t b = 0; b < n_bits; ++b)
      if (acc[r][b] != 0) out[r * n_bytes + b / 8] |= static_cast<std::uint8_t>(1u << (b % 8));
  return out;
}

}  // namespace

TEST_CASE("packed_bits_to_indices reads LSB-first rows and ignores padding bits", "[models]") {
  // 12 bits -> 2 bytes a row. Row 0: bits 0, 3, 8, 11; row 1: none, but padding bits 12..15 set; row 2: bit 7.
  const std::vector<std::uint8_t> rows{0x09, 0x09, 0x00, 0xF0, 0x80, 0x00};
  const auto s = packed_bits_to_indices(rows.data(), 3, 12);
  CHECK(as_vec(s.indices) == std::vector<std::int64_t>{0, 3, 8, 11, 7});
  CHECK(as_vec(s.offsets) == std::vector<std::int64_t>{0, 4, 4});

  // Wider than one 64-bit word, with a partial last word.
  torch::manual_seed(1);
  const auto bits = (torch::rand({5, 150}) < 0.2).to(torch::kFloat32);
  const auto packed = pack(bits);
  const auto t = packed_bits_to_indices(packed.data(), 5, 150);
  std::vector<std::int64_t> expected_idx, expected_off;
  for (std::int64_t r = 0; r < 5; ++r) {
    expected_off.push_back(static_cast<std::int64_t>(expected_idx.size()));
    for (std::int64_t b = 0; b < 150; ++b)
      if (bits[r][b].item<float>() != 0) expected_idx.push_back(b);
  }
  CHECK(as_vec(t.indices) == expected_idx);
  CHECK(as_vec(t.offsets) == expected_off);

  const auto empty = packed_bits_to_indices(nullptr, 0, 2048);
  CHECK(empty.indices.numel() == 0);
  CHECK(empty.offsets.numel() == 0);
}

TEST_CASE("FingerprintMLP gives [B, n_tasks] and equal outputs on the dense and sparse paths", "[models]") {
  torch::manual_seed(2);
  for (const auto& hidden : {std::vector<std::int64_t>{64, 32}, std::vector<std::int64_t>{}}) {
    FingerprintMLP net(FingerprintMLPOptions(300, 3).hidden(hidden).dropout(0.3).sparse_input(true));
    net->eval();
    const auto bits = (torch::rand({17, 300}) < 0.1).to(torch::kFloat32);
    bits[4].zero_();  // a row with no bits set
    const auto packed = pack(bits);
    const auto sparse = packed_bits_to_indices(packed.data(), 17, 300);
    torch::NoGradGuard no_grad;
    const auto dense_out = net->forward(bits);
    const auto sparse_out = net->forward_sparse(sparse);
    REQUIRE(dense_out.sizes() == torch::IntArrayRef({17, 3}));
    REQUIRE(dense_out.scalar_type() == torch::kFloat32);
    CHECK(torch::allclose(dense_out, sparse_out, /*rtol=*/0, /*atol=*/1e-5));
  }
}

TEST_CASE("FingerprintMLP gradients reach every parameter on both paths", "[models]") {
  torch::manual_seed(3);
  FingerprintMLP net(FingerprintMLPOptions(64, 2).hidden({16, 8}).activation("gelu"));
  const auto bits = (torch::rand({6, 64}) < 0.3).to(torch::kFloat32);
  const auto packed = pack(bits);
  const auto sparse = packed_bits_to_indices(packed.data(), 6, 64);
  for (int path = 0; path < 2; ++path) {
    net->zero_grad();
    const auto out = path == 0 ? net->forward(bits) : net->forward_sparse(sparse);
    out.pow(2).sum().backward();
    for (const auto& p : net->named_parameters()) {
      INFO("path " << path << " parameter " << p.key());
      REQUIRE(p.value().grad().defined());
      CHECK(p.value().grad().abs().sum().item<float>() > 0);
    }
  }
}

TEST_CASE("FingerprintMLP overfits 16 random fingerprints", "[models]") {
  torch::manual_seed(4);
  FingerprintMLP net(FingerprintMLPOptions(256, 1).hidden({64, 32}));
  const auto x = (torch::rand({16, 256}) < 0.15).to(torch::kFloat32);
  const auto y = torch::randn({16, 1});
  torch::optim::Adam opt(net->parameters(), torch::optim::AdamOptions(3e-3));
  float loss = 1e9f;
  int step = 0;
  for (; step < 400 && loss >= 1e-3f; ++step) {
    opt.zero_grad();
    auto l = torch::mse_loss(net->forward(x), y);
    l.backward();
    opt.step();
    loss = l.item<float>();
  }
  INFO("steps " << step);
  CHECK(loss < 1e-3f);
}

TEST_CASE("FingerprintMLP rejects bad options", "[models]") {
  using hitforge::core::UsageError;
  CHECK_THROWS_WITH(FingerprintMLP(FingerprintMLPOptions(16).activation("swish")),
                    Catch::Contains("swish") && Catch::Contains("relu"));
  CHECK_THROWS_AS(FingerprintMLP(FingerprintMLPOptions(0)), UsageError);
  CHECK_THROWS_AS(FingerprintMLP(FingerprintMLPOptions(16).hidden({8, 0})), UsageError);
  CHECK_THROWS_AS(FingerprintMLP(FingerprintMLPOptions(16).dropout(1.0)), UsageError);
  FingerprintMLP net(FingerprintMLPOptions(16).hidden({4}));
  CHECK_THROWS_AS(net->forward(torch::zeros({2, 15})), c10::Error);
}
