#include "train/distributed.h"

#include <torch/torch.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <map>
#include <vector>

#if HITFORGE_HAVE_GLOO
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#endif

#include "core/error.h"
#include "core/log.h"

namespace hitforge::train {
using core::str_cat;
using core::UsageError;

namespace {

const char* env(const char* name) {
  const char* v = std::getenv(name);
  return v && *v ? v : nullptr;
}

long parse_long(const char* name, const char* text, long lo, long hi) {
  char* end = nullptr;
  errno = 0;
  long v = std::strtol(text, &end, 10);
  HITFORGE_REQUIRE(errno == 0 && end != text && *end == '\0' && v >= lo && v <= hi, "environment variable ", name,
                   "='", text, "' must be an integer in [", lo, ", ", hi, "]");
  return v;
}

// The first of `names` that is set, with its name (for messages).
std::pair<const char*, const char*> first_env(std::initializer_list<const char*> names) {
  for (const char* n : names)
    if (const char* v = env(n)) return {n, v};
  return {nullptr, nullptr};
}

bool is_loopback(const std::string& host) {
  return host == "localhost" || host.rfind("127.", 0) == 0 || host == "::1";
}

}  // namespace

DistributedOptions DistributedOptions::from_env() {
  DistributedOptions o;
  // One launcher family at a time, so RANK from one and WORLD_SIZE from another are never mixed.
  struct Family {
    const char *rank, *size, *local;
  };
  const Family families[] = {{"RANK", "WORLD_SIZE", "LOCAL_RANK"},
                             {"OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_LOCAL_RANK"},
                             {"SLURM_PROCID", "SLURM_NTASKS", "SLURM_LOCALID"}};
  const Family* fam = nullptr;
  for (const auto& f : families)
    if (env(f.size)) {
      fam = &f;
      break;
    }
  if (!fam) return o;
  o.world_size = static_cast<int>(parse_long(fam->size, env(fam->size), 1, 1 << 20));
  if (o.world_size == 1) return o;
  HITFORGE_REQUIRE(env(fam->rank), fam->size, "=", o.world_size, " but ", fam->rank,
                   " is not set: every process needs its own rank in [0, ", o.world_size, ")");
  o.rank = static_cast<int>(parse_long(fam->rank, env(fam->rank), 0, 1 << 20));
  HITFORGE_REQUIRE(o.rank < o.world_size, fam->rank, "=", o.rank, " must be smaller than ", fam->size, "=",
                   o.world_size);
  if (env(fam->local)) o.local_rank = static_cast<int>(parse_long(fam->local, env(fam->local), 0, 1 << 20));
  if (const char* a = env("MASTER_ADDR")) o.master_addr = a;
  if (const char* p = env("MASTER_PORT")) o.master_port = static_cast<int>(parse_long("MASTER_PORT", p, 1, 65535));
  if (const char* i = env("GLOO_SOCKET_IFNAME")) o.interface = i;
  if (const char* t = env("HITFORGE_DIST_CONNECT_TIMEOUT"))
    o.connect_timeout = std::chrono::seconds(parse_long("HITFORGE_DIST_CONNECT_TIMEOUT", t, 1, 86400));
  if (const char* t = env("HITFORGE_DIST_TIMEOUT"))
    o.timeout = std::chrono::seconds(parse_long("HITFORGE_DIST_TIMEOUT", t, 1, 7 * 86400));
  // Several machines and no MASTER_ADDR would make every machine wait for its own loopback master.
  auto nodes = first_env({"SLURM_NNODES", "OMPI_MCA_orte_num_nodes"});
  if (nodes.second && std::atol(nodes.second) > 1)
    HITFORGE_REQUIRE(!is_loopback(o.master_addr), nodes.first, "=", nodes.second, " machines but MASTER_ADDR is '",
                     o.master_addr, "': set MASTER_ADDR to the host of rank 0");
  return o;
}

#if HITFORGE_HAVE_GLOO
struct DistributedContext::Impl {
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> pg;

  void run(c10::intrusive_ptr<c10d::Work> work, const char* what) {
    try {
      work->wait();
    } catch (const std::exception& e) {
      // A peer that died or timed out: name the operation; the peer's own message says why.
      throw UsageError(str_cat("distributed ", what, " failed (did another rank exit?): ", e.what()));
    }
  }
  void allreduce(torch::Tensor& t, c10d::ReduceOp op = c10d::ReduceOp::SUM) {
    std::vector<torch::Tensor> v{t};
    c10d::AllreduceOptions o;
    o.reduceOp = op;
    run(pg->allreduce(v, o), "allreduce");
  }
  void broadcast(torch::Tensor& t) {
    std::vector<torch::Tensor> v{t};
    c10d::BroadcastOptions o;
    o.rootRank = 0;
    run(pg->broadcast(v, o), "broadcast");
  }
};
#else
struct DistributedContext::Impl {};
#endif

DistributedContext::DistributedContext() = default;
DistributedContext::DistributedContext(DistributedContext&&) noexcept = default;
DistributedContext& DistributedContext::operator=(DistributedContext&&) noexcept = default;
DistributedContext::~DistributedContext() = default;

bool DistributedContext::available() {
#if HITFORGE_HAVE_GLOO
  return true;
#else
  return false;
#endif
}

DistributedContext::DistributedContext(const DistributedOptions& o) : options_(o) {
  HITFORGE_REQUIRE(o.world_size >= 1 && o.rank >= 0 && o.rank < o.world_size, "RANK=", o.rank,
                   " must be in [0, WORLD_SIZE=", o.world_size, ")");
  if (o.world_size == 1) return;
#if !HITFORGE_HAVE_GLOO
  throw UsageError(str_cat("WORLD_SIZE=", o.world_size,
                           " asks for distributed training, but this build has no Gloo; install libgloo-dev "
                           "(scripts/install-deps) and rebuild, or unset WORLD_SIZE"));
#else
  const std::string where = str_cat("MASTER_ADDR=", o.master_addr, " MASTER_PORT=", o.master_port);
  auto impl = std::make_unique<Impl>();
  c10d::TCPStoreOptions so;
  so.port = static_cast<std::uint16_t>(o.master_port);
  so.isServer = o.rank == 0;
  so.numWorkers = static_cast<std::size_t>(o.world_size);
  so.waitWorkers = true;
  so.timeout = o.connect_timeout;
  const auto secs = std::chrono::duration_cast<std::chrono::seconds>(o.connect_timeout).count();
  try {
    impl->store = c10::make_intrusive<c10d::TCPStore>(o.master_addr, so);
  } catch (const std::exception& e) {
    std::string msg = e.what();
    if (const auto* ce = dynamic_cast<const c10::Error*>(&e)) msg = ce->what_without_backtrace();
    throw UsageError(o.rank == 0
                         ? str_cat("rank 0 could not host the rendezvous at ", where, " or not all ", o.world_size,
                                   " ranks (WORLD_SIZE) joined within ", secs, " s: ", msg)
                         : str_cat("rank ", o.rank, " could not reach the master at ", where, " within ", secs,
                                   " s (is rank 0 running, and are MASTER_ADDR/MASTER_PORT right?): ", msg));
  }
  try {
    auto pgo = c10d::ProcessGroupGloo::Options::create(o.timeout);
    if (!o.interface.empty())
      pgo->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(o.interface));
    else if (is_loopback(o.master_addr))
      pgo->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1"));
    else
      pgo->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
    pgo->threads = 1;  // our collectives are issued and waited for one at a time
    impl->pg = c10::make_intrusive<c10d::ProcessGroupGloo>(impl->store, o.rank, o.world_size, pgo);
  } catch (const std::exception& e) {
    std::string msg = e.what();
    if (const auto* ce = dynamic_cast<const c10::Error*>(&e)) msg = ce->what_without_backtrace();
    throw UsageError(str_cat("rank ", o.rank, " could not connect to the other ranks (", where,
                             o.interface.empty() ? "" : " GLOO_SOCKET_IFNAME=" + o.interface, "): ", msg));
  }
  impl_ = std::move(impl);
  core::log_debug(str_cat("distributed: rank ", o.rank, " of ", o.world_size, " joined via ", where));
#endif
}

DistributedContext DistributedContext::from_env() { return DistributedContext(DistributedOptions::from_env()); }

#if HITFORGE_HAVE_GLOO
namespace {
// Parameters and buffers, grouped by dtype so each group travels as one flat buffer.
std::map<c10::ScalarType, std::vector<torch::Tensor>> by_dtype(const std::vector<torch::Tensor>& ts) {
  std::map<c10::ScalarType, std::vector<torch::Tensor>> out;
  for (const auto& t : ts) out[t.scalar_type()].push_back(t);
  return out;
}
}  // namespace
#endif

void DistributedContext::broadcast_parameters(torch::nn::Module& module) {
  if (!impl_) return;
#if HITFORGE_HAVE_GLOO
  torch::NoGradGuard ng;
  std::vector<torch::Tensor> all = module.parameters();
  for (const auto& b : module.buffers()) all.push_back(b);
  double numel = 0;
  for (const auto& t : all) numel += static_cast<double>(t.numel());
  // max(n) == -max(-n) over the ranks <=> every rank has the same model size
  auto n = torch::tensor({numel, -numel}, torch::kFloat64);
  impl_->allreduce(n, c10d::ReduceOp::MAX);
  HITFORGE_REQUIRE(n[0].item<double>() == -n[1].item<double>(), "distributed ranks built different models (",
                   static_cast<long>(-n[1].item<double>()), " vs ", static_cast<long>(n[0].item<double>()),
                   " scalars): every rank must get the same options and data");
  for (auto& [dtype, ts] : by_dtype(all)) {
    std::vector<torch::Tensor> parts;
    for (const auto& t : ts) parts.push_back(t.detach().reshape({-1}).to(torch::kCPU));
    auto buf = torch::cat(parts);
    impl_->broadcast(buf);
    std::int64_t off = 0;
    for (auto& t : ts) {
      t.detach().copy_(buf.narrow(0, off, t.numel()).view_as(t));
      off += t.numel();
    }
  }
#endif
}

void DistributedContext::allreduce_gradients(torch::nn::Module& module) {
  if (!impl_) return;
#if HITFORGE_HAVE_GLOO
  torch::NoGradGuard ng;
  std::vector<torch::Tensor> params;
  for (const auto& p : module.parameters())
    if (p.requires_grad()) params.push_back(p);
  const double w = options_.world_size;
  for (auto& [dtype, ps] : by_dtype(params)) {
    // [grad_0 | grad_1 | ... | defined flags]: one allreduce carries the gradients and which ranks had them.
    std::vector<torch::Tensor> parts;
    auto flags = torch::zeros({static_cast<std::int64_t>(ps.size())}, torch::TensorOptions().dtype(dtype));
    for (size_t i = 0; i < ps.size(); ++i) {
      const auto& g = ps[i].grad();
      if (g.defined()) {
        HITFORGE_REQUIRE(!g.is_sparse(), "allreduce_gradients: sparse gradients are not supported");
        parts.push_back(g.detach().reshape({-1}).to(torch::kCPU));
        flags[static_cast<std::int64_t>(i)] = 1;
      } else {
        parts.push_back(torch::zeros({ps[i].numel()}, torch::TensorOptions().dtype(dtype)));
      }
    }
    parts.push_back(flags);
    auto buf = torch::cat(parts);
    impl_->allreduce(buf);
    std::int64_t off = 0;
    const std::int64_t n_grad = buf.numel() - static_cast<std::int64_t>(ps.size());
    auto flag_sums = buf.narrow(0, n_grad, static_cast<std::int64_t>(ps.size()));
    buf.narrow(0, 0, n_grad).div_(w);
    for (size_t i = 0; i < ps.size(); ++i) {
      auto& p = ps[i];
      auto mean = buf.narrow(0, off, p.numel()).view_as(p);
      off += p.numel();
      if (flag_sums[static_cast<std::int64_t>(i)].item<double>() == 0) continue;  // unused on every rank
      if (p.grad().defined())
        p.mutable_grad().copy_(mean);
      else
        p.mutable_grad() = mean.to(p.device()).clone();
    }
  }
#endif
}

double DistributedContext::allreduce_mean(double value) {
  if (!impl_) return value;
  return allreduce_sum(torch::tensor({value}, torch::kFloat64)).item<double>() / options_.world_size;
}

torch::Tensor DistributedContext::allreduce_sum(const torch::Tensor& tensor) {
  if (!impl_) return tensor.clone();
#if HITFORGE_HAVE_GLOO
  auto buf = tensor.detach().to(torch::kCPU).contiguous().clone();
  impl_->allreduce(buf);
  return buf.to(tensor.device());
#else
  return tensor.clone();
#endif
}

bool DistributedContext::any(bool local) {
  if (!impl_) return local;
  return allreduce_sum(torch::tensor({local ? 1.0 : 0.0}, torch::kFloat64)).item<double>() > 0;
}

std::vector<std::int64_t> DistributedContext::slice_of(const std::vector<std::int64_t>& batch) const {
  const std::size_t n = batch.size(), w = static_cast<std::size_t>(world_size()), r = static_cast<std::size_t>(rank());
  return {batch.begin() + static_cast<std::ptrdiff_t>(n * r / w),
          batch.begin() + static_cast<std::ptrdiff_t>(n * (r + 1) / w)};
}

bool DistributedContext::same_everywhere(bool local) { return any(local) == !any(!local); }

void DistributedContext::agree_on(const std::function<void()>& check, const std::string& what) {
  if (!distributed()) {
    check();
    return;
  }
  std::exception_ptr failure;
  try {
    check();
  } catch (...) {
    failure = std::current_exception();
  }
  // any() is an allreduce: no rank gets its result before every rank has contributed, i.e. finished its check
  if (any(failure != nullptr)) {
    if (failure) std::rethrow_exception(failure);
    throw UsageError(str_cat("rank ", rank(), ": another rank refused ", what, " (see its message)"));
  }
}

double DistributedContext::broadcast(double value) {
  if (!impl_) return value;
#if HITFORGE_HAVE_GLOO
  auto t = torch::tensor({value}, torch::kFloat64);
  impl_->broadcast(t);
  return t.item<double>();
#else
  return value;
#endif
}

std::string DistributedContext::broadcast(const std::string& value) {
  if (!impl_) return value;
#if HITFORGE_HAVE_GLOO
  auto n = torch::tensor({static_cast<std::int64_t>(value.size())}, torch::kInt64);
  impl_->broadcast(n);
  const std::int64_t len = n.item<std::int64_t>();
  auto bytes = torch::zeros({std::max<std::int64_t>(len, 1)}, torch::kUInt8);
  if (is_main()) std::memcpy(bytes.data_ptr<std::uint8_t>(), value.data(), value.size());
  impl_->broadcast(bytes);
  return std::string(reinterpret_cast<const char*>(bytes.data_ptr<std::uint8_t>()), static_cast<size_t>(len));
#else
  return value;
#endif
}

void DistributedContext::barrier() {
  if (!impl_) return;
#if HITFORGE_HAVE_GLOO
  impl_->run(impl_->pg->barrier(), "barrier");
#endif
}

}  // namespace hitforge::train
