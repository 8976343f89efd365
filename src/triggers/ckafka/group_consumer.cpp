#include "triggers/ckafka/group_consumer.h"

#include <cstring>

#include <spdlog/spdlog.h>

namespace yunfn::triggers {
namespace {

constexpr int kPollMs = 100;
// One round hands the loop at most this much, so that it stays responsive.
constexpr size_t kRoundMessages = 5000;
constexpr size_t kRoundBytes = 16 * 1024 * 1024;
// Longest wait of a revocation for the batches still running (bounded so the
// member is not thrown out of the group for not polling).
constexpr auto kRevokeWait = std::chrono::seconds(120);

struct PartitionListDeleter {
  void operator()(rd_kafka_topic_partition_list_t* l) const { rd_kafka_topic_partition_list_destroy(l); }
};
using PartitionList = std::unique_ptr<rd_kafka_topic_partition_list_t, PartitionListDeleter>;

PartitionList partition_list(int size) { return PartitionList(rd_kafka_topic_partition_list_new(size)); }

bool cooperative(rd_kafka_t* rk) { return std::strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE") == 0; }

}  // namespace

GroupConsumer::GroupConsumer(GroupConsumerConfig config, Deliver deliver)
    : config_(std::move(config)), deliver_(std::move(deliver)) {}

Result<std::shared_ptr<GroupConsumer>> GroupConsumer::start(GroupConsumerConfig config, Deliver deliver) {
  const bool from_start = config.start != ckafka_rules::StartOffset::kLatest;
  YUNFN_TRY(conf, make_kafka_conf(config.cluster,
                                  {{"client.id", "yunfn-ckafka"},
                                   {"session.timeout.ms", "10000"},
                                   {"topic.metadata.refresh.interval.ms", "10000"},
                                   {"reconnect.backoff.max.ms", "2000"},
                                   {"queued.max.messages.kbytes", "32768"}},
                                  {{"group.id", config.group},
                                   {"enable.auto.commit", "false"},
                                   {"enable.auto.offset.store", "false"},
                                   {"enable.partition.eof", "true"},
                                   {"auto.offset.reset", from_start ? "earliest" : "latest"}}));
  std::shared_ptr<GroupConsumer> self(new GroupConsumer(std::move(config), std::move(deliver)));
  rd_kafka_conf_set_opaque(conf.get(), self.get());
  rd_kafka_conf_set_rebalance_cb(conf.get(), on_rebalance);
  rd_kafka_conf_set_offset_commit_cb(conf.get(), on_commit);
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf.get(), err, sizeof err);
  if (!rk) return make_error(errc::kInvalidParameterValue, "Kafka consumer: " + std::string(err));
  static_cast<void>(conf.release());  // rd_kafka_new took it
  rd_kafka_poll_set_consumer(rk);
  self->thread_ = std::thread([raw = self.get(), rk] { raw->run(rk); });
  return self;
}

// NOLINTNEXTLINE(bugprone-exception-escape): see the header
GroupConsumer::~GroupConsumer() { join(); }

void GroupConsumer::join() {
  stop(/*force=*/true);
  if (thread_.joinable()) thread_.join();
}

void GroupConsumer::stop(bool force) {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    if (force) forced_ = true;
  }
  batch_ended_.notify_all();
}

void GroupConsumer::run(rd_kafka_t* rk) {
  PartitionList topics = partition_list(1);
  rd_kafka_topic_partition_list_add(topics.get(), config_.topic.c_str(), RD_KAFKA_PARTITION_UA);
  if (auto e = rd_kafka_subscribe(rk, topics.get()); e != RD_KAFKA_RESP_ERR_NO_ERROR) {
    note_error(std::string("subscribe: ") + rd_kafka_err2str(e));
  }
  while (!stopping_) poll_round(rk);
  sync_partitions(rk);  // the last offsets the loop reported
  rd_kafka_consumer_close(rk);  // revokes (and commits) the assignment, leaves the group
  rd_kafka_destroy(rk);
  spdlog::info("ckafka trigger {}: left consumer group {}", config_.label, config_.group);
  finished_ = true;
}

void GroupConsumer::poll_round(rd_kafka_t* rk) {
  Fetched round;
  size_t bytes = 0;
  auto flush = [&] {
    if (!round.messages.empty() || !round.caught_up.empty()) deliver_(std::move(round));
    round = Fetched{};
    bytes = 0;
  };
  rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, kPollMs);
  while (m) {
    if (round.epoch != epoch_) {  // a rebalance ran inside the poll
      flush();
      round.epoch = epoch_;
    }
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      round.caught_up[m->partition] = m->offset;
    } else if (m->err) {
      note_error(rd_kafka_message_errstr(m));
    } else {
      ckafka_rules::Message msg;
      msg.partition = m->partition;
      msg.offset = m->offset;
      if (m->key) msg.key.emplace(static_cast<const char*>(m->key), m->key_len);
      if (m->payload) msg.value.assign(static_cast<const char*>(m->payload), m->len);
      msg.timestamp_ms = rd_kafka_message_timestamp(m, nullptr);
      bytes += msg.value.size();
      if (round.messages.empty()) clear_error();  // the cluster answers again
      round.messages.push_back(std::move(msg));
    }
    rd_kafka_message_destroy(m);
    if (round.messages.size() >= kRoundMessages || bytes >= kRoundBytes) break;
    m = rd_kafka_consumer_poll(rk, 0);
  }
  flush();
  sync_partitions(rk);
}

void GroupConsumer::clear_error() {
  std::lock_guard lock(mu_);
  last_error_.clear();
}

void GroupConsumer::sync_partitions(rd_kafka_t* rk) {
  std::vector<int32_t> pause, resume, to_commit, assigned;
  {
    std::lock_guard lock(mu_);
    for (auto& [p, s] : parts_) {
      assigned.push_back(p);
      if (s.hold != s.paused) (s.hold ? pause : resume).push_back(p);
      s.paused = s.hold;
      if (s.done > s.committed) to_commit.push_back(p);
    }
  }
  auto apply = [&](const std::vector<int32_t>& ps, bool on) {
    if (ps.empty()) return;
    PartitionList list = partition_list(static_cast<int>(ps.size()));
    for (int32_t p : ps) rd_kafka_topic_partition_list_add(list.get(), config_.topic.c_str(), p);
    on ? rd_kafka_pause_partitions(rk, list.get()) : rd_kafka_resume_partitions(rk, list.get());
  };
  apply(pause, true);
  apply(resume, false);
  commit(rk, to_commit);
  for (int32_t p : assigned) {
    int64_t low = -1, high = -1;
    if (rd_kafka_get_watermark_offsets(rk, config_.topic.c_str(), p, &low, &high) != RD_KAFKA_RESP_ERR_NO_ERROR) {
      continue;
    }
    std::lock_guard lock(mu_);
    if (auto it = parts_.find(p); it != parts_.end() && high >= 0) it->second.high_watermark = high;
  }
}

// Commits are asynchronous (a sync commit could hold the thread for a socket
// timeout while brokers are away); a failed one is tried again next round,
// and closing the consumer waits for those in flight.
void GroupConsumer::commit(rd_kafka_t* rk, const std::vector<int32_t>& partitions) {
  if (partitions.empty()) return;
  PartitionList list = partition_list(static_cast<int>(partitions.size()));
  {
    std::lock_guard lock(mu_);
    for (int32_t p : partitions) {
      auto it = parts_.find(p);
      if (it == parts_.end() || it->second.done <= it->second.committed) continue;
      rd_kafka_topic_partition_list_add(list.get(), config_.topic.c_str(), p)->offset = it->second.done;
      it->second.committed = it->second.done;
    }
  }
  if (list->cnt == 0) return;
  if (auto e = rd_kafka_commit(rk, list.get(), /*async=*/1); e != RD_KAFKA_RESP_ERR_NO_ERROR) {
    note_error(std::string("commit: ") + rd_kafka_err2str(e));
    std::lock_guard lock(mu_);
    for (int i = 0; i < list->cnt; ++i) {
      if (auto it = parts_.find(list->elems[i].partition); it != parts_.end()) it->second.committed = -1;
    }
  }
}

void GroupConsumer::on_commit(rd_kafka_t*, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* offsets,
                              void* opaque) {
  auto* self = static_cast<GroupConsumer*>(opaque);
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR || err == RD_KAFKA_RESP_ERR__NO_OFFSET || !offsets) return;
  self->note_error(std::string("offset commit failed (tried again): ") + rd_kafka_err2str(err));
  std::lock_guard lock(self->mu_);
  for (int i = 0; i < offsets->cnt; ++i) {
    auto it = self->parts_.find(offsets->elems[i].partition);
    if (it != self->parts_.end() && it->second.committed == offsets->elems[i].offset) it->second.committed = -1;
  }
}

void GroupConsumer::on_rebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts,
                                 void* opaque) {
  static_cast<GroupConsumer*>(opaque)->rebalance(rk, err, parts);
}

void GroupConsumer::rebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts) {
  const bool coop = cooperative(rk);
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    ++epoch_;
    std::string names;
    {
      std::lock_guard lock(mu_);
      for (int i = 0; i < parts->cnt; ++i) {
        parts_[parts->elems[i].partition] = Partition{.epoch = epoch_};
        names += (names.empty() ? "" : ",") + std::to_string(parts->elems[i].partition);
      }
    }
    spdlog::info("ckafka trigger {}: group {} assigned partitions [{}] of {}", config_.label, config_.group, names,
                 config_.topic);
    if (coop) {
      if (rd_kafka_error_t* e = rd_kafka_incremental_assign(rk, parts)) rd_kafka_error_destroy(e);
    } else {
      rd_kafka_assign(rk, parts);
    }
    return;
  }
  revoke(rk, parts);
  if (err != RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS) note_error(std::string("rebalance: ") + rd_kafka_err2str(err));
  if (coop) {
    if (rd_kafka_error_t* e = rd_kafka_incremental_unassign(rk, parts)) rd_kafka_error_destroy(e);
  } else {
    rd_kafka_assign(rk, nullptr);
  }
}

void GroupConsumer::revoke(rd_kafka_t* rk, rd_kafka_topic_partition_list_t* parts) {
  std::vector<int32_t> ps;
  ps.reserve(static_cast<size_t>(parts->cnt));
  for (int i = 0; i < parts->cnt; ++i) ps.push_back(parts->elems[i].partition);
  {
    std::unique_lock lock(mu_);
    for (int32_t p : ps) {
      if (auto it = parts_.find(p); it != parts_.end()) it->second.revoking = true;
    }
    // The loop's batches of these partitions end (their retries stop at the
    // next attempt); what they finish is committed below.
    batch_ended_.wait_for(lock, kRevokeWait, [&] {
      if (forced_) return true;
      for (int32_t p : ps) {
        if (auto it = parts_.find(p); it != parts_.end() && it->second.in_flight > 0) return false;
      }
      return true;
    });
  }
  commit(rk, ps);
  std::lock_guard lock(mu_);
  for (int32_t p : ps) parts_.erase(p);
}

bool GroupConsumer::begin_batch(int32_t partition, uint64_t epoch) {
  std::lock_guard lock(mu_);
  auto it = parts_.find(partition);
  if (stopping_ || it == parts_.end() || it->second.epoch != epoch || it->second.revoking) return false;
  ++it->second.in_flight;
  return true;
}

bool GroupConsumer::owns(int32_t partition, uint64_t epoch) const {
  std::lock_guard lock(mu_);
  auto it = parts_.find(partition);
  return !stopping_ && it != parts_.end() && it->second.epoch == epoch && !it->second.revoking;
}

void GroupConsumer::end_batch(int32_t partition, uint64_t epoch, int64_t next_offset) {
  {
    std::lock_guard lock(mu_);
    auto it = parts_.find(partition);
    if (it != parts_.end() && it->second.epoch == epoch) {
      --it->second.in_flight;
      it->second.done = std::max(it->second.done, next_offset);
    }
  }
  batch_ended_.notify_all();
}

void GroupConsumer::mark_done(int32_t partition, uint64_t epoch, int64_t next_offset) {
  std::lock_guard lock(mu_);
  auto it = parts_.find(partition);
  if (it != parts_.end() && it->second.epoch == epoch) it->second.done = std::max(it->second.done, next_offset);
}

void GroupConsumer::hold(int32_t partition, uint64_t epoch, bool on) {
  std::lock_guard lock(mu_);
  auto it = parts_.find(partition);
  if (it != parts_.end() && it->second.epoch == epoch) it->second.hold = on;
}

std::vector<PartitionLag> GroupConsumer::lag() const {
  std::lock_guard lock(mu_);
  std::vector<PartitionLag> out;
  for (const auto& [p, s] : parts_) out.push_back({p, s.done, s.high_watermark, s.committed});
  return out;
}

std::string GroupConsumer::last_error() const {
  std::lock_guard lock(mu_);
  return last_error_;
}

void GroupConsumer::note_error(const std::string& text) {
  {
    std::lock_guard lock(mu_);
    if (last_error_ == text) return;  // said once per change
    last_error_ = text;
  }
  spdlog::warn("ckafka trigger {}: {}", config_.label, text);
}

}  // namespace yunfn::triggers
