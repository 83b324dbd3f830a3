#include "serve/server.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "chem/mol_input.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "core/log.h"
#include "core/threads.h"
#include "core/torch_runtime.h"
#include "serve/campaign_runner.h"
#include "serve/campaign_store.h"
#include "serve/dashboard_assets.h"
#include "serve/job_queue.h"
#include "serve/metrics.h"
#include "serve/model_registry.h"
#include "serve/router.h"
#include "serve/server_context.h"

namespace hitforge::serve {
using core::str_cat;
namespace fs = std::filesystem;

namespace {

bool is_loopback(const std::string& host) { return host.rfind("127.", 0) == 0 || host == "::1"; }

std::string random_token() {
  std::ifstream in("/dev/urandom", std::ios::binary);
  unsigned char bytes[32];
  in.read(reinterpret_cast<char*>(bytes), sizeof bytes);
  HITFORGE_REQUIRE(in.gcount() == sizeof bytes, "cannot read /dev/urandom to generate a token");
  static const char* hex = "0123456789abcdef";
  std::string t;
  for (unsigned char b : bytes) t += hex[b >> 4], t += hex[b & 15];
  return t;
}

// Written with mode 0600 from the start (never briefly readable by others), fsync'ed, then renamed into place.
void write_secret_file(const std::string& path, const std::string& content) {
  const std::string tmp = str_cat(path, ".tmp-", ::getpid());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  HITFORGE_REQUIRE(fd >= 0, "cannot create the token file '", path, "'");
  const bool ok = ::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size()) &&
                  ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    throw core::UsageError(str_cat("cannot write the token file '", path, "'"));
  }
  core::fsync_path(fs::absolute(path).parent_path().string());
}

std::string read_token_file(const std::string& path) {
  struct stat st {};
  HITFORGE_REQUIRE(::stat(path.c_str(), &st) == 0, "cannot read the token file '", path, "'");
  HITFORGE_REQUIRE((st.st_mode & 077) == 0, "the token file '", path,
                   "' is readable or writable by group or others; chmod 600 it");
  std::ifstream in(path);
  std::string token;
  std::getline(in, token);
  while (!token.empty() && (token.back() == '\r' || token.back() == ' ')) token.pop_back();
  HITFORGE_REQUIRE(token.size() >= 16, "the token in '", path, "' is shorter than 16 characters");
  return token;
}

}  // namespace

struct Server::Impl {
  ServerOptions options;
  int threads_per_worker = 1;
  std::string token, generated_token_file;
  Metrics metrics;
  Router router{&metrics};
  std::unique_ptr<ModelRegistry> models;
  std::unique_ptr<RecipeCompiler> compiler;
  std::unique_ptr<CampaignStore> store;
  std::unique_ptr<ServerContext> ctx;
  std::unique_ptr<CampaignRunner> runner;
  std::unique_ptr<JobQueue> queue;
  std::unique_ptr<HttpServer> http;
  std::mutex shutdown_mu;
  bool stopped = false;
};

Server::Server(ServerOptions options) : impl_(std::make_unique<Impl>()) {
  Impl& m = *impl_;
  m.options = std::move(options);
  ServerOptions& o = m.options;
  HITFORGE_REQUIRE(o.workers >= 1, "--workers must be >= 1");
  HITFORGE_REQUIRE(o.campaign_chunk >= 1, "campaign chunk must be >= 1");
  HITFORGE_REQUIRE(!o.model_dir.empty(), "serve needs --model-dir");
  const int total = o.threads > 0 ? o.threads : core::hardware_threads();
  m.threads_per_worker = std::max(1, total / o.workers);
  if (o.workers > total)
    core::log_warn(str_cat(o.workers, " workers on ", total, " threads: workers will compete for cores"));
  // Thread counts for OpenMP, BLAS and torch set together, to one worker's share (core/threads.h).
  core::RuntimeOptions rt;
  rt.threads = m.threads_per_worker;
  rt.device = o.device;
  core::init_runtime(rt);
  chem::quiet_rdkit_logs();

  // Token: required off loopback; given, or generated into a 0600 file.
  if (!o.token_file.empty() && fs::exists(o.token_file)) {
    m.token = read_token_file(o.token_file);
  } else if (!o.token_file.empty() || !is_loopback(o.host)) {
    const std::string path = !o.token_file.empty() ? o.token_file : o.store + ".token";
    if (o.token_file.empty() && fs::exists(path)) {
      m.token = read_token_file(path);
    } else {
      m.token = random_token();
      write_secret_file(path, m.token + "\n");
      m.generated_token_file = path;
    }
  }
  m.router.set_token(m.token);
  m.router.set_login_page(login_html());

  m.models = std::make_unique<ModelRegistry>(o.model_dir);
  m.compiler = std::make_unique<RecipeCompiler>(*m.models, o.device);
  m.router.set_message_filter([c = m.compiler.get()](const std::string& s) { return c->scrub(s); });
  m.store = std::make_unique<CampaignStore>(o.store);
  m.ctx.reset(new ServerContext{o, *m.models, *m.compiler, *m.store, m.metrics, m.router, nullptr, {}, {}, {}});
  m.ctx->upload_dir = fs::absolute(o.store).parent_path().string();
  add_system_routes(*m.ctx);
  add_inference_routes(*m.ctx);
  add_generate_routes(*m.ctx);
  add_campaign_routes(*m.ctx);
  add_dashboard_routes(*m.ctx);

  HttpServerOptions ho;
  ho.host = o.host;
  ho.port = o.port;
  ho.io_threads = o.io_threads;
  ho.limits = o.http;
  ho.limits.max_body_bytes = o.max_json_body;
  ho.limits.body_limit = [json = o.max_json_body, upload = o.max_upload_body](const std::string& method,
                                                                              const std::string& path) {
    return method == "POST" && path == "/v1/campaigns" ? upload : json;
  };
  m.http = std::make_unique<HttpServer>(ho, [&m](Request& req, Responder respond) {
    m.router.dispatch(req, std::move(respond));
  });
}

Server::~Server() { shutdown(); }

void Server::start() {
  Impl& m = *impl_;
  m.runner = std::make_unique<CampaignRunner>(*m.store, *m.compiler, &m.metrics, m.threads_per_worker);
  JobQueueOptions q;
  q.workers = m.options.workers;
  q.threads_per_worker = m.threads_per_worker;
  q.queue_capacity = m.options.queue_capacity;
  q.max_batch = m.options.max_batch;
  q.batch_window = std::chrono::microseconds(m.options.batch_window_us);
  m.queue = std::make_unique<JobQueue>(q, [r = m.runner.get()] { return r->step(); });
  m.ctx->queue = m.queue.get();
  const auto unfinished = m.store->unfinished();
  if (!unfinished.empty()) core::log_info(str_cat("resuming ", unfinished.size(), " unfinished campaign(s)"));
  m.http->start();
  m.ctx->ready = true;
  core::log_info(str_cat("serving on http://", m.options.host, ":", m.http->port(), " (", m.options.workers,
                         " worker(s) x ", m.threads_per_worker, " thread(s), ", m.models->models().size(),
                         " model(s)", m.token.empty() ? "" : ", bearer token required", ")"));
}

int Server::port() const { return impl_->http->port(); }

void Server::shutdown() {
  Impl& m = *impl_;
  std::lock_guard<std::mutex> lock(m.shutdown_mu);
  if (m.stopped) return;
  m.stopped = true;
  if (m.ctx) m.ctx->draining = true;  // readyz 503, work-creating routes 503
  if (m.runner) m.runner->stop();      // no new chunk starts; the one in progress commits
  if (m.queue) m.queue->stop();        // queued sync jobs answered 503; running ones finish; workers joined
  if (m.http) {
    m.http->stop_accepting();
    if (!m.http->drain(std::chrono::seconds(10))) core::log_warn("shutdown: some responses were not written in 10 s");
    m.http->stop();
  }
  if (m.ctx) m.ctx->queue = nullptr;
  core::log_info("server stopped; unfinished campaigns resume at the next start");
}

const std::string& Server::token() const { return impl_->token; }
const std::string& Server::generated_token_file() const { return impl_->generated_token_file; }
const Router& Server::router() const { return impl_->router; }

}  // namespace hitforge::serve
