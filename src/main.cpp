// yunfn: `yunfn server` runs the platform; `yunfn sandbox-init` is the first
// program of every instance; every other command is the CLI.
#include <CLI/CLI.hpp>

#include <cstring>
#include <iostream>

#include "cli/commands.h"
#include "sandbox/sandbox.h"
#include "server/server.h"

namespace {

bool parse_host_port(const std::string& text, std::string& host, unsigned short& port) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  try {
    int p = std::stoi(text.substr(colon + 1));
    if (p < 0 || p > 65535) return false;
    port = static_cast<unsigned short>(p);
  } catch (const std::exception&) {
    return false;
  }
  host = text.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  return true;
}

int server_main(int argc, char** argv) {
  yunfn::server::ServerConfig config;
  CLI::App app{"yunfn server: run the platform"};
  std::string listen = "127.0.0.1:9001", gateway_listen = "127.0.0.1:9080", isolation = "auto";
  int idle_timeout = 600;
  std::string data_dir = config.data_dir.string();
  app.add_option("--listen", listen, "API address HOST:PORT (port 0 picks a free one)");
  app.add_option("--gateway-listen", gateway_listen,
                 "HTTP gateway address HOST:PORT for apigw triggers and web functions");
  std::string cos_listen = "127.0.0.1:9002";
  app.add_option("--cos-listen", cos_listen,
                 "bucket service (COS XML API) address HOST:PORT, or `off`");
  app.add_option("--data-dir", data_dir, "data directory");
  app.add_option("--idle-timeout", idle_timeout, "seconds an idle instance is kept")->check(CLI::Range(1, 86400));
  app.add_option("--log-retention-days", config.log_retention_days, "days invocation logs are kept")
      ->check(CLI::Range(1, 3650));
  app.add_option("--account-quota-mb", config.account_quota_mb,
                 "account concurrency quota in MB (PutTotalConcurrencyConfig overrides)")
      ->check(CLI::Range(128, 100000000));
  app.add_option("--unreserved-floor-mb", config.unreserved_floor_mb,
                 "quota kept for functions without a reserved quota")
      ->check(CLI::Range(0, 100000000));
  app.add_option("--scale-burst", config.scale_burst, "cold starts allowed at once")
      ->check(CLI::Range(1, 1000000));
  app.add_option("--scale-per-minute", config.scale_per_minute,
                 "new instances per minute after the burst")
      ->check(CLI::Range(1, 1000000));
  int scale_wait_ms = 1000;
  app.add_option("--scale-wait-ms", scale_wait_ms,
                 "how long a request waits for an instance before it is throttled")
      ->check(CLI::Range(0, 600000));
  app.add_option("--async-concurrency", config.async_concurrency,
                 "async events run at once (the queue's dispatch concurrency)")
      ->check(CLI::Range(1, 100000));
  int retry_delay_ms = 60000;
  app.add_option("--async-retry-delay-ms", retry_delay_ms,
                 "delay before retrying a failed async event (times the attempt number)")
      ->check(CLI::Range(0, 3600000));
  app.add_option("--log-quota-mb", config.log_quota_mb_per_hour,
                 "MB of function output stored per function and hour (0: no quota)")
      ->check(CLI::Range(0, 1000000));
  app.add_option("--api-body-limit-mb", config.api_body_limit_mb,
                 "largest API request body in MB (SCF: 10; larger ZipFile packages need more)")
      ->check(CLI::Range(1, 100));
  auto* cert = app.add_option("--tls-cert", config.tls_cert_file,
                              "PEM certificate chain: serve the API over HTTPS")
                   ->check(CLI::ExistingFile);
  auto* key = app.add_option("--tls-key", config.tls_key_file, "PEM private key of --tls-cert")
                  ->check(CLI::ExistingFile);
  cert->needs(key);
  key->needs(cert);
  app.add_option("--kafka-cluster", config.kafka_clusters,
                 "a Kafka cluster ckafka triggers may name: ID=HOST:PORT[,HOST:PORT...] (repeatable; "
                 "TriggerName is <ID>-<topic>)");
  app.add_option("--kafka-property", config.kafka_properties,
                 "a librdkafka setting of one cluster, ID:KEY=VALUE (repeatable), e.g. "
                 "ckafka-1:security.protocol=SASL_SSL");
  app.add_option("--isolation", isolation, "instance isolation: auto, none or namespace")
      ->check(CLI::IsMember({"auto", "none", "namespace"}));
  try {
    app.parse(argc - 1, argv + 1);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (!parse_host_port(listen, config.listen_host, config.listen_port)) {
    std::cerr << "yunfn: --listen must be HOST:PORT\n";
    return 2;
  }
  if (!parse_host_port(gateway_listen, config.gateway_host, config.gateway_port)) {
    std::cerr << "yunfn: --gateway-listen must be HOST:PORT\n";
    return 2;
  }
  config.cos_enabled = cos_listen != "off";
  if (config.cos_enabled && !parse_host_port(cos_listen, config.cos_host, config.cos_port)) {
    std::cerr << "yunfn: --cos-listen must be HOST:PORT or off\n";
    return 2;
  }
  config.data_dir = data_dir;
  config.idle_timeout = std::chrono::seconds(idle_timeout);
  config.scale_wait = std::chrono::milliseconds(scale_wait_ms);
  config.async_retry_delay = std::chrono::milliseconds(retry_delay_ms);
  config.isolation = isolation == "none"        ? yunfn::server::Isolation::kNone
                     : isolation == "namespace" ? yunfn::server::Isolation::kNamespace
                                                : yunfn::server::Isolation::kAuto;
  try {
    return yunfn::server::run_server(config);
  } catch (const std::exception& e) {
    std::cerr << "yunfn: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace

int main(int argc, char** argv) {
  try {
    if (argc >= 2 && std::strcmp(argv[1], "sandbox-init") == 0) {
      return yunfn::sandbox::sandbox_init_main(argc, argv);
    }
    if (argc >= 2 && std::strcmp(argv[1], "server") == 0) return server_main(argc, argv);
    return yunfn::cli::run_cli(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "yunfn: " << e.what() << "\n";
    return 1;
  }
}
