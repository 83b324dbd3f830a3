// Data-parallel training on loopback: two processes, each back-propagating its half of every global batch and
// averaging gradients with DistributedContext, end with the weights a single process gets on the whole batches.
// The workers are this test binary re-executed (fork + exec, so no torch/OpenMP thread state crosses a fork) running
// the hidden test case "distributed worker".
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <optional>
#include <thread>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "core/error.h"
#include "models/model_config.h"
#include "test_util.h"
#include "train/distributed.h"

extern char** environ;

namespace {
using hitforge::core::UsageError;
using hitforge::train::DistributedContext;
using hitforge::train::DistributedOptions;
namespace models = hitforge::models;

constexpr int kSteps = 6;
constexpr std::int64_t kGlobalBatch = 24, kInputDim = 96, kTasks = 2;


/// Sets environment variables for one scope and restores the previous values.
class EnvGuard {
 public:
  void set(const std::string& k, const std::optional<std::string>& v) {
    if (!saved_.count(k)) {
      const char* old = std::getenv(k.c_str());
      saved_[k] = old ? std::optional<std::string>(old) : std::nullopt;
    }
    if (v)
      ::setenv(k.c_str(), v->c_str(), 1);
    else
      ::unsetenv(k.c_str());
  }
  ~EnvGuard() {
    for (auto& [k, v] : saved_)
      if (v)
        ::setenv(k.c_str(), v->c_str(), 1);
      else
        ::unsetenv(k.c_str());
  }

 private:
  std::map<std::string, std::optional<std::string>> saved_;
};

std::shared_ptr<models::PropertyModel> tiny_model() {
  torch::manual_seed(7);
  models::ModelDims dims;
  dims.input_dim = kInputDim;
  dims.n_tasks = kTasks;
  return models::make_model("fp_mlp", nlohmann::json{{"hidden", {32, 16}}}, dims);
}

/// Global batch `s`: x [kGlobalBatch, kInputDim] 0/1 bits, y [kGlobalBatch, kTasks] with ~20% missing labels (NaN),
/// the same in every process.
std::pair<torch::Tensor, torch::Tensor> global_batch(int s) {
  auto gen = at::detail::createCPUGenerator(1000 + static_cast<std::uint64_t>(s));
  auto x = (torch::rand({kGlobalBatch, kInputDim}, gen) < 0.2).to(torch::kFloat32);
  auto y = torch::randn({kGlobalBatch, kTasks}, gen);
  auto missing = torch::rand({kGlobalBatch, kTasks}, gen) < 0.2;
  y = torch::where(missing, torch::full_like(y, NAN), y);
  return {x, y};
}

struct Trace {
  std::vector<torch::Tensor> grad0;   ///< gradients after the first step's allreduce
  std::vector<torch::Tensor> params;  ///< parameters after kSteps
};

/// kSteps optimizer steps on this rank's contiguous slice of each global batch; the loss is the masked MSE sum over
/// the slice divided by (labels in the global batch) / world size, as train/trainer.cpp does.
Trace train_steps(DistributedContext& dist, const std::string& optimizer) {
  auto model = tiny_model();
  if (dist.rank() != 0) {  // a different start on the other ranks: broadcast_parameters must undo it
    torch::NoGradGuard ng;
    for (auto& p : model->parameters()) p.add_(1.0);
  }
  dist.broadcast_parameters(*model->module());
  std::unique_ptr<torch::optim::Optimizer> opt;
  if (optimizer == "adam")
    opt = std::make_unique<torch::optim::Adam>(model->parameters(), torch::optim::AdamOptions(1e-3));
  else
    opt = std::make_unique<torch::optim::SGD>(model->parameters(), torch::optim::SGDOptions(0.05).momentum(0.9));
  Trace t;
  const std::int64_t w = dist.world_size(), r = dist.rank();
  for (int s = 0; s < kSteps; ++s) {
    auto [x, y] = global_batch(s);
    const std::int64_t lo = kGlobalBatch * r / w, hi = kGlobalBatch * (r + 1) / w;
    const double labelled = torch::isfinite(y).sum().item<double>();
    auto xs = x.slice(0, lo, hi), ys = y.slice(0, lo, hi);
    opt->zero_grad();
    auto out = model->forward(models::ModelInput::from_dense(xs));
    auto mask = torch::isfinite(ys);
    auto per = (out - torch::where(mask, ys, torch::zeros_like(ys))).pow(2) * mask;
    (per.sum() / (labelled / static_cast<double>(w))).backward();
    dist.allreduce_gradients(*model->module());
    if (s == 0)
      for (const auto& p : model->parameters()) t.grad0.push_back(p.grad().detach().clone());
    opt->step();
  }
  for (const auto& p : model->parameters()) t.params.push_back(p.detach().clone());
  return t;
}

double max_abs_diff(const std::vector<torch::Tensor>& a, const std::vector<torch::Tensor>& b) {
  REQUIRE(a.size() == b.size());
  double m = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    REQUIRE(a[i].sizes() == b[i].sizes());
    m = std::max(m, (a[i] - b[i]).abs().max().item<double>());
  }
  return m;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

/// Starts this binary as rank `rank` running the worker test case; stdout/stderr go to `log`.
pid_t spawn_worker(int rank, int world, int port, const std::string& out_dir, const std::string& log) {
  std::vector<std::string> env_s;
  for (char** e = environ; *e; ++e) {
    std::string kv(*e);
    bool ours = false;
    for (const char* k : {"RANK=", "WORLD_SIZE=", "LOCAL_RANK=", "MASTER_ADDR=", "MASTER_PORT=", "HITFORGE_DIST_"})
      ours |= kv.rfind(k, 0) == 0;
    if (!ours) env_s.push_back(kv);
  }
  env_s.push_back("RANK=" + std::to_string(rank));
  env_s.push_back("LOCAL_RANK=" + std::to_string(rank));
  env_s.push_back("WORLD_SIZE=" + std::to_string(world));
  env_s.push_back("MASTER_ADDR=127.0.0.1");
  env_s.push_back("MASTER_PORT=" + std::to_string(port));
  env_s.push_back("HITFORGE_DIST_CONNECT_TIMEOUT=30");
  env_s.push_back("HITFORGE_DIST_TIMEOUT=30");
  env_s.push_back("HITFORGE_DIST_TEST_OUT=" + out_dir);
  env_s.push_back("OMP_NUM_THREADS=1");
  std::vector<char*> envp;
  for (auto& s : env_s) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::string self = std::filesystem::read_symlink("/proc/self/exe").string();
  std::string test_name = "distributed worker";
  char* argv[] = {self.data(), test_name.data(), nullptr};
  int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  REQUIRE(fd >= 0);
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {  // only async-signal-safe calls until exec
    ::dup2(fd, 1);
    ::dup2(fd, 2);
    ::execve(argv[0], argv, envp.data());
    ::_exit(127);
  }
  ::close(fd);
  return pid;
}

/// Waits for every pid, killing all of them at the deadline; true when all exited with status 0.
bool wait_all(std::vector<pid_t> pids, std::chrono::seconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  bool ok = true;
  while (!pids.empty()) {
    for (size_t i = 0; i < pids.size();) {
      int status = 0;
      pid_t r = ::waitpid(pids[i], &status, WNOHANG);
      if (r == pids[i]) {
        ok &= WIFEXITED(status) && WEXITSTATUS(status) == 0;
        pids.erase(pids.begin() + static_cast<std::ptrdiff_t>(i));
      } else {
        ++i;
      }
    }
    if (pids.empty()) break;
    if (std::chrono::steady_clock::now() > deadline) {
      for (pid_t p : pids) ::kill(p, SIGKILL);
      for (pid_t p : pids) ::waitpid(p, nullptr, 0);
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return ok;
}

}  // namespace

// Hidden ([.]): run by the test below in each child process (the child's environment says where to write).
TEST_CASE("distributed worker", "[.][distributed-worker]") {
  const char* out = std::getenv("HITFORGE_DIST_TEST_OUT");
  if (!out) return;  // picked up by a filter such as "~[slow]", outside the test below: nothing to do
  auto dist = DistributedContext::from_env();
  REQUIRE(dist.world_size() == 2);
  for (const std::string optimizer : {"sgd", "adam"}) {
    Trace t = train_steps(dist, optimizer);
    const std::string prefix = std::string(out) + "/rank" + std::to_string(dist.rank()) + "_" + optimizer;
    torch::save(t.grad0, prefix + "_grad0.pt");
    torch::save(t.params, prefix + "_params.pt");
  }
  // the small collectives the trainer uses
  CHECK(dist.allreduce_mean(dist.rank() == 0 ? 1.0 : 3.0) == 2.0);
  CHECK(dist.allreduce_sum(torch::full({3}, dist.rank() + 1.0)).sum().item<double>() == 9.0);
  CHECK(dist.any(dist.rank() == 1));
  CHECK_FALSE(dist.any(false));
  CHECK(dist.broadcast(dist.rank() == 0 ? 4.5 : -1.0) == 4.5);
  CHECK(dist.broadcast(dist.rank() == 0 ? std::string("from rank 0") : std::string("x")) == "from rank 0");
  // contiguous shares of a global batch, in rank order; a batch smaller than the world leaves rank 0 empty
  using Rows = std::vector<std::int64_t>;
  CHECK(dist.slice_of(Rows{10, 11, 12, 13, 14}) == (dist.rank() == 0 ? Rows{10, 11} : Rows{12, 13, 14}));
  CHECK(dist.slice_of(Rows{7}) == (dist.rank() == 0 ? Rows{} : Rows{7}));
  CHECK(dist.same_everywhere(true));
  CHECK(dist.same_everywhere(false));
  CHECK_FALSE(dist.same_everywhere(dist.rank() == 1));
  // agreed checks: no refusal returns everywhere; one rank's refusal is an error on both, each with its own message
  int ran = 0;
  dist.agree_on([&] { ++ran; }, "'nothing'");
  CHECK(ran == 1);
  CHECK_THROWS_WITH(dist.agree_on(
                        [&] {
                          if (dist.rank() == 1) throw UsageError("rank 1 refuses");
                        },
                        "'the run directory'"),
                    dist.rank() == 1 ? "rank 1 refuses"
                                     : "rank 0: another rank refused 'the run directory' (see its message)");
  dist.barrier();
}

TEST_CASE("two processes on loopback give the single-process gradients and weights", "[train][distributed]") {
  if (!DistributedContext::available()) {
    WARN("this build has no Gloo (libgloo-dev): skipped");
    return;
  }
  hitforge::testing::TempDir dir;
  const int port = hitforge::testing::free_port();
  std::vector<pid_t> pids;
  for (int r = 0; r < 2; ++r) pids.push_back(spawn_worker(r, 2, port, dir.path(), dir.file("rank" + std::to_string(r) + ".log")));
  const bool ok = wait_all(pids, std::chrono::seconds(90));
  INFO("rank 0:\n" << slurp(dir.file("rank0.log")) << "\nrank 1:\n" << slurp(dir.file("rank1.log")));
  REQUIRE(ok);

  DistributedContext single;  // world 1: every collective is the identity
  CHECK_THROWS_WITH(single.agree_on([] { throw UsageError("refused alone"); }, "'x'"), "refused alone");
  CHECK(single.same_everywhere(false));
  CHECK(single.slice_of({4, 5, 6}) == std::vector<std::int64_t>{4, 5, 6});
  for (const std::string optimizer : {"sgd", "adam"}) {
    Trace ref = train_steps(single, optimizer);
    for (int r = 0; r < 2; ++r) {
      const std::string prefix = dir.file("rank" + std::to_string(r) + "_" + optimizer);
      std::vector<torch::Tensor> grad0, params;
      torch::load(grad0, prefix + "_grad0.pt");
      torch::load(params, prefix + "_params.pt");
      const double dg = max_abs_diff(grad0, ref.grad0), dp = max_abs_diff(params, ref.params);
      INFO(optimizer << " rank " << r << ": max |grad diff| after step 1 = " << dg << ", max |param diff| after "
                     << kSteps << " steps = " << dp);
      CHECK(dg < 1e-6);
      CHECK(dp < 1e-5);
    }
    // the ranks hold bit-identical weights (Gloo gives every rank the same sum)
    std::vector<torch::Tensor> p0, p1;
    torch::load(p0, dir.file("rank0_" + optimizer + "_params.pt"));
    torch::load(p1, dir.file("rank1_" + optimizer + "_params.pt"));
    CHECK(max_abs_diff(p0, p1) == 0.0);
  }
}

TEST_CASE("the environment configures distributed training; bad values name the variables", "[train][distributed]") {
  EnvGuard env;
  for (const char* k : {"RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT", "OMPI_COMM_WORLD_RANK",
                        "OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_LOCAL_RANK", "SLURM_PROCID", "SLURM_NTASKS",
                        "SLURM_LOCALID", "SLURM_NNODES", "GLOO_SOCKET_IFNAME", "HITFORGE_DIST_TIMEOUT",
                        "HITFORGE_DIST_CONNECT_TIMEOUT"})
    env.set(k, std::nullopt);

  SECTION("no WORLD_SIZE, or 1: one process, collectives are the identity") {
    auto d = DistributedContext::from_env();
    CHECK(d.world_size() == 1);
    CHECK(d.is_main());
    CHECK_FALSE(d.distributed());
    CHECK(d.allreduce_mean(2.5) == 2.5);
    CHECK(d.broadcast(std::string("abc")) == "abc");
    env.set("WORLD_SIZE", "1");
    env.set("RANK", "0");
    CHECK(DistributedContext::from_env().world_size() == 1);
  }
  SECTION("torchrun variables") {
    env.set("WORLD_SIZE", "4");
    env.set("RANK", "3");
    env.set("LOCAL_RANK", "1");
    env.set("MASTER_ADDR", "node7");
    env.set("MASTER_PORT", "29611");
    auto o = DistributedOptions::from_env();
    CHECK(o.rank == 3);
    CHECK(o.world_size == 4);
    CHECK(o.local_rank == 1);
    CHECK(o.master_addr == "node7");
    CHECK(o.master_port == 29611);
  }
  SECTION("mpirun and srun variables, defaults for the master") {
    env.set("OMPI_COMM_WORLD_SIZE", "2");
    env.set("OMPI_COMM_WORLD_RANK", "1");
    auto o = DistributedOptions::from_env();
    CHECK(o.rank == 1);
    CHECK(o.world_size == 2);
    CHECK(o.master_addr == "127.0.0.1");
    CHECK(o.master_port == 29500);
    env.set("OMPI_COMM_WORLD_SIZE", std::nullopt);
    env.set("SLURM_NTASKS", "8");
    env.set("SLURM_PROCID", "5");
    CHECK(DistributedOptions::from_env().rank == 5);
    env.set("SLURM_NNODES", "2");  // several machines need a real MASTER_ADDR
    CHECK_THROWS_WITH(DistributedOptions::from_env(), Catch::Contains("MASTER_ADDR"));
  }
  SECTION("bad values are usage errors naming the variables") {
    env.set("WORLD_SIZE", "2");
    env.set("RANK", "2");
    CHECK_THROWS_AS(DistributedOptions::from_env(), UsageError);
    CHECK_THROWS_WITH(DistributedOptions::from_env(), Catch::Contains("RANK=2") && Catch::Contains("WORLD_SIZE=2"));
    env.set("RANK", std::nullopt);
    CHECK_THROWS_WITH(DistributedOptions::from_env(), Catch::Contains("RANK is not set"));
    env.set("RANK", "one");
    CHECK_THROWS_WITH(DistributedOptions::from_env(), Catch::Contains("RANK='one'"));
    env.set("RANK", "1");
    env.set("MASTER_PORT", "70000");
    CHECK_THROWS_WITH(DistributedOptions::from_env(), Catch::Contains("MASTER_PORT"));
  }
}

TEST_CASE("an unreachable master is a usage error within the timeout", "[train][distributed]") {
  if (!DistributedContext::available()) return;
  DistributedOptions o;
  o.world_size = 2;
  o.rank = 1;  // a client: nobody listens on this port
  o.master_port = hitforge::testing::free_port();
  o.connect_timeout = std::chrono::seconds(2);
  auto t0 = std::chrono::steady_clock::now();
  CHECK_THROWS_WITH(DistributedContext(o), Catch::Contains("MASTER_ADDR=127.0.0.1") && Catch::Contains("MASTER_PORT="));
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(30));
}
