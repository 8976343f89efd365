// Server: builds the object graph of `yunfn server` (store, code store,
// sandbox, pools, invoker, API) from a validated config, runs the event loop
// until SIGINT/SIGTERM, and shuts down in order.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace yunfn::server {

enum class Isolation { kAuto, kNone, kNamespace };

struct ServerConfig {
  std::string listen_host = "127.0.0.1";
  unsigned short listen_port = 9001;
  std::string gateway_host = "127.0.0.1";
  unsigned short gateway_port = 9080;
  std::filesystem::path data_dir = "yunfn-data";
  std::chrono::seconds idle_timeout{600};
  int log_retention_days = 7;
  Isolation isolation = Isolation::kAuto;
  int worker_threads = 2;
  int account_quota_mb = 128000;     // default account concurrency quota
  int unreserved_floor_mb = 12800;   // kept for functions without a reserved quota
  int scale_burst = 1000;            // cold starts allowed at once
  int scale_per_minute = 500;        // new instances per minute after the burst
  std::chrono::milliseconds scale_wait{1000};  // wait for capacity before throttling
  int async_concurrency = 64;        // async events in flight at once
  std::chrono::milliseconds async_retry_delay{60000};  // between retries of failed events
  int log_quota_mb_per_hour = 100;   // function output stored per function and hour
  int api_body_limit_mb = 10;        // SCF's limit for TC3-signed requests
  // The bucket service (docs/cos.md); cos_enabled false: `--cos-listen off`.
  bool cos_enabled = true;
  std::string cos_host = "127.0.0.1";
  unsigned short cos_port = 9002;
  // Kafka clusters ckafka triggers may name (docs/triggers.md): the values of
  // --kafka-cluster ID=HOST:PORT,... and --kafka-property ID:KEY=VALUE.
  std::vector<std::string> kafka_clusters;
  std::vector<std::string> kafka_properties;
  std::string tls_cert_file;         // both set: the API is served over HTTPS
  std::string tls_key_file;
};

// Runs the server; returns the process exit code.
int run_server(const ServerConfig& config);

// The runtime bootstraps compiled into the binary (relative path -> contents).
const std::map<std::string, std::string>& embedded_runtime_files();

}  // namespace yunfn::server
