#include "server/server.h"

#include <malloc.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <fstream>

#include <spdlog/spdlog.h>

#include "api/api_server.h"
#include "common/build_info.h"
#include "common/crypto.h"
#include "common/tcp_listener.h"
#include "control/code_package.h"
#include "control/function_service.h"
#include "control/version_service.h"
#include "cos/cos_service.h"
#include "gateway/apigw_trigger.h"
#include "gateway/gateway_server.h"
#include "invoke/async_queue.h"
#include "invoke/concurrency.h"
#include "triggers/ckafka/ckafka_trigger.h"
#include "triggers/cls/cls_trigger.h"
#include "triggers/cos/cos_trigger.h"
#include "triggers/timer/timer_trigger.h"
#include "invoke/invoker.h"
#include "logs/log_topics.h"
#include "pool/pool_manager.h"
#include "sandbox/layout.h"
#include "sandbox/sandbox.h"
#include "server/credentials.h"
#include "store/code_store.h"
#include "store/store.h"

namespace yunfn::server {
namespace fs = std::filesystem;

namespace {

// Writes the embedded bootstraps to <data-dir>/runtimes (refreshed every start
// so an upgraded binary brings its own).
fs::path install_bootstraps(const fs::path& data_dir) {
  fs::path root = data_dir / "runtimes";
  for (const auto& [rel, content] : embedded_runtime_files()) {
    fs::path p = root / rel;
    fs::create_directories(p.parent_path());
    fs::path tmp = p.string() + ".tmp";
    {
      std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
      f << content;
    }
    fs::permissions(tmp, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                             fs::perms::others_read | fs::perms::others_exec);
    fs::rename(tmp, p);
  }
  return root;
}

fs::path self_exe() {
  char buf[4096];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) throw std::runtime_error("cannot find the yunfn binary through /proc/self/exe");
  return fs::path(std::string(buf, static_cast<size_t>(n)));
}

// The program instances start with: the small yunfn-sandbox-init built next to
// this binary when it is there (faster to load), else this binary itself.
fs::path init_program(const fs::path& self) {
  fs::path small = self.parent_path() / "yunfn-sandbox-init";
  return ::access(small.c_str(), X_OK) == 0 ? small : self;
}

// Deletes invocation records older than the retention, and log-topic records
// older than their topic's, once an hour.
Task<void> purge_logs(store::Store& store, logs::LogTopics& topics, const Clock& clock, int retention_days,
                      std::shared_ptr<bool> alive) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  while (*alive) {
    auto cutoff = to_unix_ms(clock.now()) - int64_t{retention_days} * 86400 * 1000;
    auto purged = store.purge_invocations_before(cutoff);  // a failure is logged by the store
    const int n = purged.ok() ? *purged : 0;
    if (n > 0) spdlog::info("purged {} invocation records older than {} days", n, retention_days);
    topics.purge_expired();
    timer.expires_after(std::chrono::hours(1));
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
  }
}

// Starts the bucket service on its own thread, signed with the API keys; null
// when `--cos-listen off`. Its events() outbox feeds the cos trigger.
std::unique_ptr<cos::CosService> start_cos(const ServerConfig& config, const SecretPair& keys,
                                           const Clock& clock) {
  if (!config.cos_enabled) return nullptr;
  cos::CosServiceConfig cos_config;
  cos_config.host = config.cos_host;
  cos_config.port = config.cos_port;
  cos_config.root = config.data_dir / "cos";
  auto secrets = [keys](const std::string& id) -> std::optional<std::string> {
    if (id == keys.secret_id) return keys.secret_key;
    return function_secret(keys, id);  // functions reach their buckets with their own keys
  };
  auto started = cos::CosService::start(cos_config, secrets, clock);
  if (!started.ok()) throw std::runtime_error(started.error().message);
  return std::move(started).value();
}

// What every instance finds besides its function's variables: the bucket
// service's address as the instance reaches it (the host's loopback is
// 10.0.2.2 inside a network namespace) and the function's own keys (docs/cos.md).
invoke::Invoker::PlatformEnvironment platform_environment(const ServerConfig& config, unsigned short cos_port,
                                                          const SecretPair& keys, const std::string& isolation) {
  std::string cos_host;
  if (cos_port != 0) {
    cos_host = config.cos_host;
    if (cos_host == "127.0.0.1" || cos_host == "0.0.0.0" || cos_host == "localhost") {
      cos_host = isolation == "namespace" ? sandbox::layout::kHostLoopbackAddress : "127.0.0.1";
    }
    cos_host += ":" + std::to_string(cos_port);
  }
  return [keys, cos_host](const std::string& ns, const std::string& fn) {
    const SecretPair own = function_credentials(keys, ns, fn);
    std::vector<std::string> env = {"TENCENTCLOUD_SECRETID=" + own.secret_id,
                                    "TENCENTCLOUD_SECRETKEY=" + own.secret_key};
    if (!cos_host.empty()) {
      env.push_back("YUNFN_COS_HOST=" + cos_host);
      env.push_back("YUNFN_COS_ENDPOINT=http://" + cos_host);
    }
    return env;
  };
}

// Says loudly that instances run unisolated, why, and where the fix is.
void warn_unisolated(const std::string& reason) {
  std::fprintf(stderr,
               "yunfn: WARNING: namespace isolation could not be set up: %s\n"
               "yunfn: WARNING: functions are NOT isolated from each other or from the host "
               "(isolation none: plain processes of the server's user).\n"
               "yunfn: WARNING: README.md section \"Isolation\" and docs/isolation.md say what "
               "namespace isolation needs; --isolation namespace makes this an error.\n",
               reason.c_str());
}

}  // namespace

int run_server(const ServerConfig& given) {
  // A peer that goes away must not kill the server through a pipe write.
  std::signal(SIGPIPE, SIG_IGN);
  // Requests allocate and free buffers of tens of kB: keep up to 4 MB of
  // freed heap rather than hand it back to the system and ask again each time.
  mallopt(M_TRIM_THRESHOLD, 4 << 20);
  // Every path the server derives is absolute (and free of symlinks): instances
  // run in other working directories and mount namespaces.
  ServerConfig config = given;
  // Connections and instances each hold descriptors. The listeners' caps keep
  // a reserve, so the API answers while the gateway is full.
  const size_t descriptors = raise_descriptor_limit();
  const size_t gateway_connections = std::clamp<size_t>(descriptors / 4, 64, kDefaultMaxConnections);
  const size_t api_connections = std::clamp<size_t>(descriptors / 16, 16, 1024);
  fs::create_directories(config.data_dir);
  config.data_dir = fs::canonical(config.data_dir);
  bool generated = false;
  SecretPair keys = load_or_create_credentials(config.data_dir, &generated);
  if (generated) {
    std::printf("yunfn: generated API keys (kept in %s):\n  SecretId:  %s\n  SecretKey: %s\n",
                (config.data_dir / "credentials").c_str(), keys.secret_id.c_str(),
                keys.secret_key.c_str());
  }

  SystemClock clock;
  auto opened = store::open_sqlite_store((config.data_dir / "yunfn.db").string(), clock);
  if (!opened.ok()) {
    std::fprintf(stderr, "yunfn: %s\n", opened.error().message.c_str());
    return 1;
  }
  std::unique_ptr<store::Store> store = std::move(*opened);
  store::CodeStore code(config.data_dir / "code",
                        [](std::string_view zip, const fs::path& dest) {
                          return control::extract_code_package(zip, dest);
                        });
  fs::path bootstraps = install_bootstraps(config.data_dir);

  asio::io_context io;
  asio::thread_pool workers(static_cast<size_t>(config.worker_threads));
  // Isolation level: `auto` takes namespace where a probe instance works.
  sandbox::SandboxConfig sandbox_config;
  sandbox_config.self_exe = init_program(self_exe());
  sandbox_config.isolation = config.isolation == Isolation::kNone ? sandbox::IsolationLevel::kNone
                             : config.isolation == Isolation::kNamespace
                                 ? sandbox::IsolationLevel::kNamespace
                                 : sandbox::IsolationLevel::kAuto;
  sandbox_config.state_dir = config.data_dir / "sandbox";
  sandbox_config.runtimes_dir = bootstraps;
  // One cgroup parent per data directory: a restart removes what a killed run left.
  sandbox_config.cgroup_group = "d-" + crypto::sha256_hex(config.data_dir.string()).substr(0, 12);
  std::string fallback_reason;
  auto made = sandbox::make_sandbox(sandbox_config, &fallback_reason);
  if (!made.ok()) {
    std::fprintf(stderr, "yunfn: %s\n", made.error().message.c_str());
    return 2;
  }
  auto sandbox = std::move(made).value();
  if (!fallback_reason.empty()) warn_unisolated(fallback_reason);
  const api::ServerInfo server_info{build_version(), build_commit(), sandbox->isolation(),
                                    fallback_reason};
  pool::PoolManager pools(
      io.get_executor(), *sandbox, clock,
      {config.idle_timeout, {config.scale_burst, config.scale_per_minute}, config.scale_wait,
       workers.get_executor()});
  control::VersionService versions(*store, clock);
  invoke::Quota quota({config.account_quota_mb, config.unreserved_floor_mb});
  invoke::Invoker invoker(*store, code, pools, versions, quota,
                          pool::find_runtime_paths(bootstraps), clock,
                          static_cast<uint64_t>(config.log_quota_mb_per_hour) * 1024 * 1024);
  invoke::ConcurrencyService concurrency(*store, quota, invoker, clock);
  std::unique_ptr<cos::CosService> cos_service = start_cos(config, keys, clock);
  // Code packages deployed from a bucket (Code.CosBucketName) are read from the bucket service.
  control::CosObjectReader read_cos_object;
  if (cos_service) {
    read_cos_object = [cos = cos_service.get()](const std::string& bucket, const std::string& object,
                                                uint64_t max_bytes) {
      return cos->read_object(bucket, object, max_bytes);
    };
  }
  control::LayerService layers(workers, *store, code, read_cos_object, clock);
  auto opened_topics = logs::LogTopics::open((config.data_dir / "logtopics.db").string(), io.get_executor(), clock,
                                             logs::kDefaultTopicBacklogBytes);
  if (!opened_topics.ok()) {
    std::fprintf(stderr, "yunfn: %s\n", opened_topics.error().message.c_str());
    return 1;
  }
  std::unique_ptr<logs::LogTopics> log_topics = std::move(*opened_topics);
  invoker.set_log_topics(log_topics.get());
  control::FunctionService functions(
      io.get_executor(), workers, *store, code, read_cos_object, layers, clock,
      [&pools, &concurrency](const std::string& ns, const std::string& name,
                             control::FunctionChange change) {
        if (change == control::FunctionChange::kDeleted) {
          pools.retire_function(ns, name);
          concurrency.function_deleted(ns, name);
        } else {
          pools.retire_version(ns, name, store::kLatest);
        }
      });
  invoke::AsyncQueueConfig async_config;
  async_config.concurrency = config.async_concurrency;
  async_config.retry_delay = config.async_retry_delay;
  invoke::AsyncQueue async(io.get_executor(), *store, invoker, clock, async_config);
  triggers::TriggerRegistry trigger_types;
  auto timer = std::make_unique<triggers::TimerTrigger>(io.get_executor(), *store, async, clock);
  auto* timer_ptr = timer.get();
  trigger_types["timer"] = std::move(timer);
  invoker.set_platform_environment(
      platform_environment(config, cos_service ? cos_service->port() : 0, keys, sandbox->isolation()));
  auto kafka_clusters = triggers::parse_kafka_clusters(config.kafka_clusters, config.kafka_properties);
  if (!kafka_clusters.ok()) {
    std::fprintf(stderr, "yunfn: %s\n", kafka_clusters.error().message.c_str());
    return 2;
  }
  auto ckafka = std::make_unique<triggers::CkafkaTrigger>(
      triggers::CkafkaServices{io.get_executor(), invoker, async, *store, clock}, workers.get_executor(),
      std::move(*kafka_clusters));
  auto* ckafka_ptr = ckafka.get();
  trigger_types["ckafka"] = std::move(ckafka);
  auto cls = std::make_unique<triggers::ClsTrigger>(
      triggers::ClsServices{io.get_executor(), workers.get_executor(), *log_topics, async, clock}, *store);
  auto* cls_ptr = cls.get();
  trigger_types["cls"] = std::move(cls);
  // Bucket notifications of external stores, served on the API listener.
  triggers::CosWebhook cos_webhook(*store, async, clock, keys.secret_key);
  gateway::RouteTable routes;
  gateway::GatewayServer gateway(io.get_executor(),
                                 {config.gateway_host, config.gateway_port, gateway_connections},
                                 *store, invoker, async, routes, clock);
  auto apigw = std::make_unique<gateway::ApigwTrigger>(*store, routes,
                                                      [&gateway] { return gateway.base_url(); });
  auto* apigw_ptr = apigw.get();
  trigger_types["apigw"] = std::move(apigw);
  std::shared_ptr<asio::ssl::context> tls;
  if (!config.tls_cert_file.empty()) {
    auto made_tls = make_tls_server_context(config.tls_cert_file, config.tls_key_file);
    if (!made_tls.ok()) {
      std::fprintf(stderr, "yunfn: %s\n", made_tls.error().message.c_str());
      return 2;
    }
    tls = *made_tls;
  }
  api::ApiServer api(io.get_executor(),
                     {config.listen_host, config.listen_port, {keys.secret_id, keys.secret_key},
                      static_cast<size_t>(config.api_body_limit_mb) * 1024 * 1024, tls,
                      api_connections},
                     api::ApiContext{*store, functions, layers, invoker, clock, versions, quota,
                                     concurrency, async, trigger_types, server_info, cos_webhook,
                                     *log_topics});
  auto cos_trigger = std::make_unique<triggers::CosTrigger>(
      io.get_executor(), *store, async, cos_service ? &cos_service->events() : nullptr, clock, cos_webhook,
      [&api] { return api.base_url(); });
  auto* cos_trigger_ptr = cos_trigger.get();
  trigger_types["cos"] = std::move(cos_trigger);
  // A taken address is the usual start-up failure: say which listener it was.
  auto listen = [](const char* what, const std::string& host, unsigned short port, auto start) {
    try {
      start();
    } catch (const boost::system::system_error& e) {
      throw std::runtime_error(std::string("cannot listen on the ") + what + " address " + host +
                               ":" + std::to_string(port) + ": " + e.code().message());
    }
  };
  listen("API (--listen)", config.listen_host, config.listen_port, [&api] { api.start(); });
  listen("gateway (--gateway-listen)", config.gateway_host, config.gateway_port,
         [&gateway] { gateway.start(); });
  for (const Status& started : {apigw_ptr->reload(), concurrency.load(), async.start(), timer_ptr->start(),
                                cos_trigger_ptr->start(), ckafka_ptr->start(), cls_ptr->start()}) {
    if (!started.ok()) {
      std::fprintf(stderr, "yunfn: cannot start: %s\n", started.error().message.c_str());
      return 1;
    }
  }
  functions.resume_pending();
  pools.start_reaper();
  auto alive = std::make_shared<bool>(true);
  asio::co_spawn(io, purge_logs(*store, *log_topics, clock, config.log_retention_days, alive), Detached{"invocation log purge"});

  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](boost::system::error_code, int sig) {
    spdlog::info("signal {} received, stopping", sig);
    *alive = false;
    api.stop();
    gateway.stop();
    if (cos_service) cos_service->stop();
    pools.shutdown();
    io.stop();
  });
  std::printf("yunfn %s (commit %s): API listening on %s://%s:%u (isolation %s%s, data %s)\n",
              build_version(), build_commit(), tls ? "https" : "http", config.listen_host.c_str(),
              api.port(),
              sandbox->isolation().c_str(), fallback_reason.empty() ? "" : ", NOT isolated",
              config.data_dir.c_str());
  std::printf("yunfn: gateway listening on %s\n", gateway.base_url().c_str());
  if (cos_service)
    std::printf("yunfn: cos listening on http://%s:%u\n", config.cos_host.c_str(), cos_service->port());
  std::fflush(stdout);
  io.run();
  workers.join();
  return 0;
}

}  // namespace yunfn::server
