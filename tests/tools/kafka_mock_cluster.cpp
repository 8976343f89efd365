// kafka_mock_cluster: the Kafka peer of the ckafka tests and benchmark, built
// on librdkafka's mock cluster (a real Kafka protocol server in this process).
//
//   kafka_mock_cluster serve [--brokers N] [--topic NAME:PARTITIONS]...
//     Starts a cluster, prints "bootstrap HOST:PORT,..." and serves until
//     stdin closes or SIGTERM. Commands on stdin, each answered "ok" (or
//     "error ..."): `down` (every broker refuses connections), `up`,
//     `topic NAME PARTITIONS` (creates a topic).
//   kafka_mock_cluster produce BOOTSTRAP TOPIC
//     Produces the messages of stdin lines and prints "produced N":
//     `PARTITION KEY VALUE [TIMESTAMP_MS]` with KEY and VALUE in hex, `-` for
//     null and `=` for empty; `gen PARTITION COUNT SIZE PREFIX` produces COUNT
//     messages "PREFIX-<i>" padded with '.' to SIZE bytes (keys "k<i>").
//   kafka_mock_cluster consume BOOTSTRAP TOPIC COUNT
//     Reads COUNT messages from the start of every partition (no group) and
//     prints {"messages":N,"seconds":S}: librdkafka's raw consume rate.
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace {

[[noreturn]] void die(const std::string& why) {
  std::fprintf(stderr, "kafka_mock_cluster: %s\n", why.c_str());
  std::exit(1);
}

rd_kafka_t* make_client(rd_kafka_type_t type, const std::vector<std::pair<std::string, std::string>>& props) {
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  for (const auto& [k, v] : props) {
    if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) die(err);
  }
  rd_kafka_t* rk = rd_kafka_new(type, conf, err, sizeof err);
  if (!rk) die(err);
  return rk;
}

int serve(int argc, char** argv) {
  int brokers = 1;
  std::vector<std::pair<std::string, int>> topics;
  for (int i = 2; i + 1 < argc; i += 2) {
    std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--brokers") {
      brokers = std::stoi(value);
    } else if (flag == "--topic") {
      auto colon = value.rfind(':');
      if (colon == std::string::npos) die("--topic NAME:PARTITIONS");
      topics.emplace_back(value.substr(0, colon), std::stoi(value.substr(colon + 1)));
    } else {
      die("unknown flag " + flag);
    }
  }
  rd_kafka_t* rk = make_client(RD_KAFKA_PRODUCER, {{"log_level", "3"}});
  rd_kafka_mock_cluster_t* mc = rd_kafka_mock_cluster_new(rk, brokers);
  if (!mc) die("cannot start the mock cluster");
  for (const auto& [name, partitions] : topics) {
    if (rd_kafka_mock_topic_create(mc, name.c_str(), partitions, 1) != RD_KAFKA_RESP_ERR_NO_ERROR) {
      die("cannot create topic " + name);
    }
  }
  std::printf("bootstrap %s\n", rd_kafka_mock_cluster_bootstraps(mc));
  std::fflush(stdout);
  std::string line;
  while (std::getline(std::cin, line)) {
    std::istringstream in(line);
    std::string cmd;
    in >> cmd;
    rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
    if (cmd == "down") {
      err = rd_kafka_mock_broker_set_down(mc, -1);
    } else if (cmd == "up") {
      err = rd_kafka_mock_broker_set_up(mc, -1);
    } else if (cmd == "topic") {
      std::string name;
      int partitions = 0;
      in >> name >> partitions;
      err = rd_kafka_mock_topic_create(mc, name.c_str(), partitions, 1);
    } else if (cmd == "quit") {
      break;
    } else {
      std::printf("error unknown command %s\n", cmd.c_str());
      std::fflush(stdout);
      continue;
    }
    if (err) {
      std::printf("error %s\n", rd_kafka_err2str(err));
    } else {
      std::printf("ok\n");
    }
    std::fflush(stdout);
  }
  rd_kafka_mock_cluster_destroy(mc);
  rd_kafka_destroy(rk);
  return 0;
}

std::optional<std::string> unhex(const std::string& text) {
  if (text == "-") return std::nullopt;
  if (text == "=") return std::string();
  if (text.size() % 2 != 0) die("odd hex length: " + text);
  std::string out;
  for (size_t i = 0; i < text.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(text.substr(i, 2), nullptr, 16)));
  }
  return out;
}

struct Producer {
  rd_kafka_t* rk;
  std::string topic;
  long sent = 0;

  void send(int32_t partition, const std::optional<std::string>& key, const std::optional<std::string>& value,
            int64_t timestamp_ms) {
    const void* key_ptr = key ? key->data() : nullptr;
    const size_t key_len = key ? key->size() : 0;
    void* value_ptr = value ? const_cast<char*>(value->data()) : nullptr;
    const size_t value_len = value ? value->size() : 0;
    for (;;) {
      rd_kafka_resp_err_t err = rd_kafka_producev(
          rk, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(partition),
          RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
          RD_KAFKA_V_KEY(key_ptr, key_len), RD_KAFKA_V_VALUE(value_ptr, value_len),
          RD_KAFKA_V_TIMESTAMP(timestamp_ms), RD_KAFKA_V_END);
      if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        rd_kafka_poll(rk, 50);
        continue;
      }
      if (err) die(std::string("produce: ") + rd_kafka_err2str(err));
      ++sent;
      rd_kafka_poll(rk, 0);
      return;
    }
  }
};

void delivered(rd_kafka_t*, const rd_kafka_message_t* m, void* failed) {
  if (m->err) {
    std::fprintf(stderr, "kafka_mock_cluster: delivery failed: %s\n", rd_kafka_err2str(m->err));
    *static_cast<bool*>(failed) = true;
  }
}

int produce(int argc, char** argv) {
  if (argc < 4) die("produce BOOTSTRAP TOPIC");
  bool failed = false;
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char err[512];
  for (const auto& [k, v] : std::vector<std::pair<std::string, std::string>>{
           {"bootstrap.servers", argv[2]}, {"message.max.bytes", "16000000"}, {"linger.ms", "5"},
           {"batch.num.messages", "10000"}, {"queue.buffering.max.messages", "1000000"}, {"acks", "all"}}) {
    if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) die(err);
  }
  rd_kafka_conf_set_dr_msg_cb(conf, delivered);
  rd_kafka_conf_set_opaque(conf, &failed);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (!rk) die(err);
  Producer p{rk, argv[3]};
  std::string line;
  while (std::getline(std::cin, line)) {
    std::istringstream in(line);
    std::string first;
    if (!(in >> first)) continue;
    if (first == "gen") {
      int32_t partition = 0;
      long count = 0;
      size_t size = 0;
      std::string prefix;
      in >> partition >> count >> size >> prefix;
      for (long i = 0; i < count; ++i) {
        std::string value = prefix + "-" + std::to_string(i);
        if (value.size() < size) value.append(size - value.size(), '.');
        p.send(partition, "k" + std::to_string(i), value, 0);
      }
      continue;
    }
    std::string key, value;
    int64_t ts = 0;
    in >> key >> value >> ts;
    p.send(static_cast<int32_t>(std::stol(first)), unhex(key), unhex(value), ts);
  }
  if (rd_kafka_flush(rk, 60000) != RD_KAFKA_RESP_ERR_NO_ERROR) die("flush timed out");
  rd_kafka_destroy(rk);
  if (failed) return 1;
  std::printf("produced %ld\n", p.sent);
  return 0;
}

int consume(int argc, char** argv) {
  if (argc < 5) die("consume BOOTSTRAP TOPIC COUNT");
  const long want = std::stol(argv[4]);
  rd_kafka_t* rk = make_client(RD_KAFKA_CONSUMER, {{"bootstrap.servers", argv[2]},
                                                   {"group.id", "kafka-mock-cluster-raw"},
                                                   {"enable.auto.commit", "false"},
                                                   {"max.partition.fetch.bytes", "16000000"}});
  const rd_kafka_metadata_t* md = nullptr;
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, argv[3], nullptr);
  if (rd_kafka_metadata(rk, 0, rkt, &md, 10000) != RD_KAFKA_RESP_ERR_NO_ERROR || md->topic_cnt != 1) {
    die("no metadata for the topic");
  }
  rd_kafka_topic_partition_list_t* parts = rd_kafka_topic_partition_list_new(md->topics[0].partition_cnt);
  for (int i = 0; i < md->topics[0].partition_cnt; ++i) {
    rd_kafka_topic_partition_list_add(parts, argv[3], md->topics[0].partitions[i].id)->offset =
        RD_KAFKA_OFFSET_BEGINNING;
  }
  rd_kafka_metadata_destroy(md);
  rd_kafka_topic_destroy(rkt);
  const auto start = std::chrono::steady_clock::now();
  rd_kafka_assign(rk, parts);
  long got = 0;
  while (got < want) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 1000);
    if (!m) continue;
    if (!m->err) ++got;
    rd_kafka_message_destroy(m);
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("{\"messages\":%ld,\"seconds\":%.6f}\n", got, seconds);
  rd_kafka_topic_partition_list_destroy(parts);
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "serve") return serve(argc, argv);
  if (mode == "produce") return produce(argc, argv);
  if (mode == "consume") return consume(argc, argv);
  std::fprintf(stderr, "usage: kafka_mock_cluster serve|produce|consume ... (see the source's header)\n");
  return 2;
}
