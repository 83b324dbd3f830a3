#pragma once
// Data-parallel training across processes with torch's own c10d: a TCPStore for the rendezvous (rank 0 hosts it at
// MASTER_ADDR:MASTER_PORT) and ProcessGroupGloo for the collectives (CPU tensors over TCP).
//
// Every rank holds the full model and the full data; each global batch is split into contiguous per-rank slices, each
// rank back-propagates its slice, allreduce_gradients() averages the gradients, and every rank applies the same
// optimizer step, so the ranks stay bit-identical (Gloo's allreduce gives every rank the same bits). With the loss
// scaled as in train/trainer.cpp the averaged gradient equals the single-process gradient of the global batch.
//
// Configured from the torchrun-style environment (see from_env() and docs/distributed.md). A build without Gloo
// (libgloo-dev missing at configure time) still runs single-process; asking it for world_size > 1 is a UsageError.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <torch/nn/module.h>

namespace hitforge::train {

struct DistributedOptions {
  int rank = 0;        ///< 0 .. world_size-1; rank 0 hosts the TCPStore and is the only rank that writes files
  int world_size = 1;  ///< number of processes; 1 = no process group at all
  int local_rank = 0;  ///< rank within this machine (informational; e.g. to pick a GPU)
  std::string master_addr = "127.0.0.1";  ///< host of rank 0, reachable from every rank
  int master_port = 29500;                ///< TCP port of rank 0's store (must be free on that host)
  std::string interface;  ///< network interface for Gloo's own connections ("" = derived from master_addr)
  std::chrono::milliseconds connect_timeout{std::chrono::seconds(120)};  ///< rendezvous: all ranks must appear
  std::chrono::milliseconds timeout{std::chrono::seconds(1800)};         ///< any one collective

  /// Reads, in this order of precedence:
  ///   RANK / WORLD_SIZE / LOCAL_RANK                    (torchrun and hand-written launchers)
  ///   OMPI_COMM_WORLD_RANK / _SIZE / _LOCAL_RANK        (Open MPI's mpirun)
  ///   SLURM_PROCID / SLURM_NTASKS / SLURM_LOCALID       (srun)
  ///   MASTER_ADDR (default 127.0.0.1), MASTER_PORT (default 29500), GLOO_SOCKET_IFNAME,
  ///   HITFORGE_DIST_CONNECT_TIMEOUT (s, default 120), HITFORGE_DIST_TIMEOUT (s, default 1800).
  /// No world size (or 1) gives the single-process defaults. Malformed or inconsistent values are a
  /// core::UsageError naming the variables.
  static DistributedOptions from_env();
};

class DistributedContext {
 public:
  /// Single process: every collective is the identity.
  DistributedContext();
  /// Joins the process group (blocks until all world_size ranks have arrived, at most options.connect_timeout).
  /// core::UsageError when the options are inconsistent, the master cannot be reached or its port is taken, or this
  /// build has no Gloo.
  explicit DistributedContext(const DistributedOptions& options);
  DistributedContext(DistributedContext&&) noexcept;
  DistributedContext& operator=(DistributedContext&&) noexcept;
  ~DistributedContext();

  /// DistributedContext(DistributedOptions::from_env()); single-process when WORLD_SIZE is unset or 1.
  static DistributedContext from_env();
  /// Whether this build can run with world_size > 1 (compiled with Gloo).
  static bool available();

  int rank() const { return options_.rank; }
  int world_size() const { return options_.world_size; }
  int local_rank() const { return options_.local_rank; }
  bool is_main() const { return options_.rank == 0; }
  bool distributed() const { return options_.world_size > 1; }

  /// This rank's contiguous share of a global batch: rows [n·rank/world, n·(rank+1)/world) of `batch`, so the shares
  /// of all ranks are the batch in order, their sizes differing by at most one (empty when n < world). Single
  /// process: the whole batch.
  std::vector<std::int64_t> slice_of(const std::vector<std::int64_t>& batch) const;
  /// Copies rank 0's parameters and buffers into every rank's module (in place). Checks first that every rank has
  /// the same number of parameter scalars (core::UsageError otherwise).
  void broadcast_parameters(torch::nn::Module& module);
  /// Replaces each parameter's gradient by its mean over the ranks: one flat buffer per dtype and call. A gradient
  /// left undefined on some ranks counts as zero there; one undefined on every rank stays undefined (as in a single
  /// process, where the optimizer then skips that parameter). Dense gradients only.
  void allreduce_gradients(torch::nn::Module& module);
  /// Mean of `value` over the ranks (metrics).
  double allreduce_mean(double value);
  /// Element-wise sum of `tensor` over the ranks, as a new tensor of the same shape, dtype and device.
  torch::Tensor allreduce_sum(const torch::Tensor& tensor);
  /// True on every rank when `local` is true on any rank (agreeing on errors, so no rank is left waiting).
  bool any(bool local);
  /// Whether `local` has the same value on every rank.
  bool same_everywhere(bool local);
  /// Runs `check` on every rank and agrees on the outcome: when it throws on any rank, every rank throws (the failing
  /// rank its own exception, the others a core::UsageError "rank R: another rank refused <what> (see its message)"),
  /// so that no rank is left waiting in a later collective. Returns on a rank only after every rank has run `check`.
  /// Single process: `check` runs and its exception propagates unchanged.
  void agree_on(const std::function<void()>& check, const std::string& what);
  /// Rank 0's value, on every rank.
  double broadcast(double value);
  std::string broadcast(const std::string& value);
  /// Returns once every rank has called it.
  void barrier();

 private:
  struct Impl;
  DistributedOptions options_;
  std::unique_ptr<Impl> impl_;  // null when single-process
};

}  // namespace hitforge::train
