// ObjectStore: commits with their outbox events, listing with delimiters and
// keyset pagination, multipart completion rules, crash leftovers.
#include "cos/object_store.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <fstream>

#include "../temp_dir.h"
#include "common/crypto.h"
#include "cos/hashing.h"

namespace yunfn::cos {
namespace {

namespace fs = std::filesystem;
using test_support::TempDir;

class ObjectStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = ObjectStore::open(dir_.path() / "cos", clock_);
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    store_ = std::move(opened).value();
    ASSERT_TRUE(store_->create_bucket("b-1250000000").ok());
  }

  // Writes `data` as a data file and returns its name.
  std::string file_with(const std::string& data) {
    const fs::path temp = store_->new_temp_path();
    std::ofstream(temp, std::ios::binary) << data;
    return store_->adopt(temp).value();
  }

  void put(const std::string& key, const std::string& data = "x") {
    ObjectInfo info{"b-1250000000",         key, static_cast<int64_t>(data.size()),
                    crypto::hex(md5(data)), {},  1,
                    file_with(data)};
    ASSERT_TRUE(store_->commit_object(info, "cos:ObjectCreated:Put", {"rid", "1.2.3.4", ""}).ok());
  }

  TempDir dir_;
  SystemClock clock_;
  std::unique_ptr<ObjectStore> store_;
};

TEST_F(ObjectStoreTest, CommitWritesOutboxAndReplacesFiles) {
  int woken = 0;
  store_->on_new_events([&woken] { ++woken; });
  put("a.txt", "one");
  const std::string first_file = store_->head_object("b-1250000000", "a.txt")->file;
  put("a.txt", "two!");
  EXPECT_FALSE(fs::exists(store_->data_path(first_file)));
  auto head = store_->head_object("b-1250000000", "a.txt");
  EXPECT_EQ(head->size, 4);
  ASSERT_TRUE(store_->delete_object("b-1250000000", "a.txt", {"rid2", "", ""}).ok());
  EXPECT_EQ(store_->head_object("b-1250000000", "a.txt").error().code, "NoSuchKey");
  auto events = store_->pending(10);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].event_name, "cos:ObjectCreated:Put");
  EXPECT_EQ(events[0].bucket, "b-1250000000");
  EXPECT_EQ(events[0].key, "a.txt");
  EXPECT_EQ(events[0].source_ip, "1.2.3.4");
  EXPECT_EQ(events[2].event_name, "cos:ObjectRemove:Delete");
  EXPECT_LT(events[0].seq, events[1].seq);
  EXPECT_EQ(woken, 3);
  store_->acknowledge(events[1].seq);
  ASSERT_EQ(store_->pending(10).size(), 1u);
  EXPECT_EQ(store_->head_object("nope-1", "a").error().code, "NoSuchBucket");
  EXPECT_TRUE(store_->delete_bucket("b-1250000000").ok());
}

TEST_F(ObjectStoreTest, ListsWithDelimiterAndPages) {
  for (const char* k : {"a/1", "a/2", "a/3", "b", "c/x/1", "c/y", "d"}) put(k);
  ListQuery q;
  q.delimiter = "/";
  auto all = store_->list_objects("b-1250000000", q);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->objects.size(), 2u);
  EXPECT_EQ(all->objects[0].key, "b");
  EXPECT_EQ(all->common_prefixes, (std::vector<std::string>{"a/", "c/"}));
  EXPECT_FALSE(all->truncated);

  q.max_keys = 2;
  auto page1 = store_->list_objects("b-1250000000", q);
  EXPECT_TRUE(page1->truncated);
  EXPECT_EQ(page1->next_marker, "b");
  q.after = page1->next_marker;
  auto page2 = store_->list_objects("b-1250000000", q);
  EXPECT_EQ(page2->common_prefixes, (std::vector<std::string>{"c/"}));
  ASSERT_EQ(page2->objects.size(), 1u);
  EXPECT_EQ(page2->objects[0].key, "d");
  EXPECT_FALSE(page2->truncated);

  ListQuery under;
  under.prefix = "c/";
  under.delimiter = "/";
  auto c = store_->list_objects("b-1250000000", under);
  EXPECT_EQ(c->common_prefixes, (std::vector<std::string>{"c/x/"}));
  ASSERT_EQ(c->objects.size(), 1u);
  EXPECT_EQ(c->objects[0].key, "c/y");

  // A marker inside a common prefix does not list that prefix again.
  ListQuery inside;
  inside.delimiter = "/";
  inside.after = "a/2";
  auto rest = store_->list_objects("b-1250000000", inside);
  EXPECT_EQ(rest->common_prefixes, (std::vector<std::string>{"c/"}));
}

TEST_F(ObjectStoreTest, CompleteChecksParts) {
  auto upload = store_->create_upload("b-1250000000", "big", {});
  ASSERT_TRUE(upload.ok());
  const std::string big(ObjectStore::kMinPartSize, 'a');
  const std::string small = "tail";
  for (auto [n, data] : {std::pair<int, std::string>{1, big}, {2, small}}) {
    ASSERT_TRUE(store_
                    ->commit_part(upload->upload_id, {n, static_cast<int64_t>(data.size()),
                                                      crypto::hex(md5(data)), 1, file_with(data)})
                    .ok());
  }
  const std::string e1 = crypto::hex(md5(big));
  const std::string e2 = crypto::hex(md5(small));
  EXPECT_EQ(store_->complete_upload(*upload, {{2, e2}, {1, e1}}, {}).error().code,
            "InvalidPartOrder");
  EXPECT_EQ(store_->complete_upload(*upload, {{1, e1}, {3, e2}}, {}).error().code, "InvalidPart");
  EXPECT_EQ(store_->complete_upload(*upload, {{1, e2}}, {}).error().code, "InvalidPart");
  EXPECT_EQ(store_->complete_upload(*upload, {{2, e2}, {3, e1}}, {}).error().code, "InvalidPart");
  auto done = store_->complete_upload(*upload, {{1, e1}, {2, e2}}, {});
  ASSERT_TRUE(done.ok()) << done.error().message;
  EXPECT_EQ(done->size, static_cast<int64_t>(big.size() + small.size()));
  EXPECT_EQ(done->etag, crypto::hex(md5(md5(big) + md5(small))) + "-2");
  EXPECT_EQ(store_->get_upload("b-1250000000", "big", upload->upload_id).error().code,
            "NoSuchUpload");
  std::ifstream in(store_->data_path(done->file), std::ios::binary);
  std::string content((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(content, big + small);
}

TEST_F(ObjectStoreTest, SmallPartsBeforeTheLastAreRefused) {
  auto upload = store_->create_upload("b-1250000000", "k", {});
  for (int n : {1, 2}) {
    ASSERT_TRUE(
        store_->commit_part(upload->upload_id, {n, 1, crypto::hex(md5("z")), 1, file_with("z")})
            .ok());
  }
  const std::string e = crypto::hex(md5("z"));
  EXPECT_EQ(store_->complete_upload(*upload, {{1, e}, {2, e}}, {}).error().code, "EntityTooSmall");
}

// 100,000 keys (rows written straight into cos.db, no data files needed for
// listing): a delimiter listing seeks past each common prefix instead of reading
// every key under it, and paging stays cheap deep into the bucket.
TEST_F(ObjectStoreTest, HundredThousandKeysListFast) {
  const fs::path root = dir_.path() / "cos";
  store_.reset();
  {
    store::Db db((root / "cos.db").string());
    db.exec("BEGIN");
    char key[32];
    for (int i = 0; i < 100000; ++i) {
      std::snprintf(key, sizeof key, "p%03d/k%06d", i % 100, i);
      store::Statement st(
          db,
          "INSERT INTO objects(bucket, key, size, etag, attributes, "
          "last_modified_ms, file) VALUES('b-1250000000', ?1, 1, 'e', '{}', 1, ?1)");
      st.bind(1, std::string_view(key)).run();
    }
    db.exec("COMMIT");
  }
  auto reopened = ObjectStore::open(root, clock_);
  ASSERT_TRUE(reopened.ok());
  auto& store = **reopened;
  const auto started = std::chrono::steady_clock::now();
  ListQuery q;
  q.delimiter = "/";
  auto top = store.list_objects("b-1250000000", q);
  EXPECT_EQ(top->common_prefixes.size(), 100u);
  EXPECT_TRUE(top->objects.empty());
  const auto delimiter_time = std::chrono::steady_clock::now() - started;
  ListQuery deep;
  deep.prefix = "p099/";
  deep.after = "p099/k099000";
  auto page = store.list_objects("b-1250000000", deep);
  ASSERT_FALSE(page->objects.empty());
  EXPECT_GT(page->objects.front().key, "p099/k099000");
  EXPECT_EQ(page->objects.size(), 10u);  // k099099, k099199, ..., k099999
  EXPECT_LT(delimiter_time, std::chrono::milliseconds(500));
}

TEST_F(ObjectStoreTest, OpenRemovesLeftovers) {
  put("kept");
  const fs::path root = dir_.path() / "cos";
  std::ofstream(root / "tmp" / "half-written") << "x";
  std::ofstream(root / "data" / "orphan") << "x";
  store_.reset();
  auto reopened = ObjectStore::open(root, clock_);
  ASSERT_TRUE(reopened.ok());
  EXPECT_FALSE(fs::exists(root / "tmp" / "half-written"));
  EXPECT_FALSE(fs::exists(root / "data" / "orphan"));
  auto kept = (*reopened)->head_object("b-1250000000", "kept");
  ASSERT_TRUE(kept.ok());
  EXPECT_TRUE(fs::exists((*reopened)->data_path(kept->file)));
}

}  // namespace
}  // namespace yunfn::cos
