// Tests for the S3-style bucket notification parser
// (triggers/cos/s3_notification.h): the record shapes MinIO and Ceph RGW
// document, key decoding per store, metadata, times, and each malformed field
// refused by name.
#include "triggers/cos/s3_notification.h"

#include <gtest/gtest.h>

#include "../test_support.h"

namespace yunfn::triggers {
namespace {

using test_support::fails_exactly;
constexpr std::string_view kBadPayload = "InvalidParameter.Payload";

// The shape of MinIO's webhook body (its bucket-notification guide): a
// top-level EventName and Key, and one S3 record with a query-escaped key.
constexpr std::string_view kMinio = R"({
  "EventName": "s3:ObjectCreated:Put",
  "Key": "images/holiday/red flower.jpg",
  "Records": [{
    "eventVersion": "2.0", "eventSource": "minio:s3", "awsRegion": "",
    "eventTime": "2019-09-10T17:41:54.062Z", "eventName": "s3:ObjectCreated:Put",
    "userIdentity": {"principalId": "minioadmin"},
    "requestParameters": {"principalId": "minioadmin", "region": "", "sourceIPAddress": "192.168.1.80"},
    "responseElements": {"x-amz-request-id": "15C3249451E12784", "x-minio-origin-endpoint": "http://192.168.1.80:9000"},
    "s3": {"s3SchemaVersion": "1.0", "configurationId": "Config",
           "bucket": {"name": "images", "ownerIdentity": {"principalId": "minioadmin"}, "arn": "arn:aws:s3:::images"},
           "object": {"key": "holiday%2Fred+flower.jpg", "size": 200436, "eTag": "5fc7298143efe1276d39a3466d4e255f",
                      "contentType": "image/jpeg",
                      "userMetadata": {"X-Amz-Meta-Camera": "X100", "content-type": "image/jpeg"},
                      "versionId": "1", "sequencer": "15C32494527B46C5"}},
    "source": {"host": "192.168.1.80", "port": "", "userAgent": "MinIO (linux; amd64) mc"}}]})";

// The shape of Ceph RGW's HTTP push (its "Event record" section): the size as
// a string, the key as it is, metadata as a list of key/val pairs.
constexpr std::string_view kCeph = R"({"Records":[{
  "eventVersion":"2.1", "eventSource":"ceph:s3", "awsRegion":"us-east-1",
  "eventTime":"2019-11-22T13:47:35.124724Z", "eventName":"ObjectCreated:Put",
  "userIdentity":{"principalId":"tester"}, "requestParameters":{"sourceIPAddress":""},
  "responseElements":{"x-amz-request-id":"503a4c37-85eb-47cd-8681-2817e80b4281.5330.903595",
                      "x-amz-id-2":"14d2-zone1-zonegroup1"},
  "s3":{"s3SchemaVersion":"1.0", "configurationId":"mynotif1",
        "bucket":{"name":"mybucket1", "ownerIdentity":{"principalId":"tester"},
                  "arn":"arn:aws:s3:us-east-1::mybucket1", "id":"503a4c37-85eb-47cd-8681-2817e80b4281.5332.38"},
        "object":{"key":"raw/my image+1.jpg", "size":"1024", "eTag":"37b51d194a7513e45b56f6524f2d51f2",
                  "versionId":"", "sequencer":"F7E6D75DC742D108",
                  "metadata":[{"key":"x-amz-meta-origin","val":"scanner"}], "tags":[]}},
  "eventId":"1575221657.102001.80dad3aad8584778352c68ea8f86a5e2", "opaqueData":"me@example.com"}]})";

TEST(S3Notification, AMinioRecordGivesItsObjectWithTheKeyDecoded) {
  auto records = parse_s3_notification(kMinio);
  ASSERT_TRUE(records.ok()) << records.error().message;
  ASSERT_EQ(records->size(), 1u);
  const S3Record& r = (*records)[0];
  EXPECT_EQ(r.event_name, "s3:ObjectCreated:Put");
  EXPECT_EQ(r.event_source, "minio:s3");
  EXPECT_EQ(r.bucket, "images");
  EXPECT_EQ(r.key, "holiday/red flower.jpg");
  EXPECT_EQ(r.size, 200436);
  EXPECT_EQ(r.etag, "5fc7298143efe1276d39a3466d4e255f");
  EXPECT_EQ(r.content_type, "image/jpeg");
  EXPECT_EQ(r.version_id, "1");
  EXPECT_EQ(r.sequencer, "15C32494527B46C5");
  EXPECT_EQ(r.request_id, "15C3249451E12784");
  EXPECT_EQ(r.source_ip, "192.168.1.80");
  EXPECT_EQ(r.event_time_s, 1568137314);
  EXPECT_EQ(r.meta, (std::vector<std::pair<std::string, std::string>>{{"x-cos-meta-camera", "X100"}}));
}

TEST(S3Notification, ACephRecordKeepsItsKeyAndReadsTheSizeString) {
  auto records = parse_s3_notification(kCeph);
  ASSERT_TRUE(records.ok()) << records.error().message;
  const S3Record& r = (*records)[0];
  EXPECT_EQ(r.event_name, "ObjectCreated:Put");
  EXPECT_EQ(r.bucket, "mybucket1");
  EXPECT_EQ(r.key, "raw/my image+1.jpg");
  EXPECT_EQ(r.size, 1024);
  EXPECT_EQ(r.event_time_s, 1574430455);
  EXPECT_EQ(r.request_id, "503a4c37-85eb-47cd-8681-2817e80b4281.5330.903595");
  EXPECT_EQ(r.meta, (std::vector<std::pair<std::string, std::string>>{{"x-cos-meta-origin", "scanner"}}));
}

TEST(S3Notification, TimesWithAnOffsetAndWithoutFractionsAreRead) {
  auto with_offset = parse_s3_notification(
      R"({"Records":[{"eventName":"s3:ObjectRemoved:Delete","eventTime":"2019-09-11T01:41:54+08:00",
          "s3":{"bucket":{"name":"b"},"object":{"key":"k"}}}]})");
  ASSERT_TRUE(with_offset.ok()) << with_offset.error().message;
  EXPECT_EQ((*with_offset)[0].event_time_s, 1568137314);
  EXPECT_EQ((*with_offset)[0].size, 0);
}

TEST(S3Notification, EventNamesMapToTheirCosNames) {
  EXPECT_EQ(cos_event_name("s3:ObjectCreated:Put"), "cos:ObjectCreated:Put");
  EXPECT_EQ(cos_event_name("ObjectCreated:Copy"), "cos:ObjectCreated:Copy");
  EXPECT_EQ(cos_event_name("s3:ObjectCreated:CompleteMultipartUpload"), "cos:ObjectCreated:CompleteMultipartUpload");
  EXPECT_EQ(cos_event_name("s3:ObjectRemoved:Delete"), "cos:ObjectRemove:Delete");
  EXPECT_EQ(cos_event_name("ObjectRemoved:DeleteMarkerCreated"), "cos:ObjectRemove:DeleteMarkerCreated");
  EXPECT_EQ(cos_event_name("s3:ObjectRestore:Completed"), "cos:ObjectRestore:Completed");
  EXPECT_EQ(cos_event_name("s3:ObjectAccessed:Get"), "");
  EXPECT_EQ(cos_event_name("s3:ObjectCreated:PutTagging"), "");
  EXPECT_EQ(cos_event_name("ObjectLifecycle:Expiration:Current"), "");
}

TEST(S3Notification, MalformedBodiesAreRefusedNamingTheField) {
  EXPECT_TRUE(fails_exactly(parse_s3_notification("{\"Records\":["), kBadPayload, "body: is not JSON"));
  EXPECT_TRUE(fails_exactly(parse_s3_notification("[]"), kBadPayload, "body: is not a JSON object"));
  EXPECT_TRUE(fails_exactly(parse_s3_notification(R"({"EventName":"s3:ObjectCreated:Put"})"), kBadPayload,
                            "Records: is missing (not an S3 bucket notification)"));
  EXPECT_TRUE(fails_exactly(parse_s3_notification(R"({"Records":{}})"), kBadPayload, "Records: is not a list"));
  EXPECT_TRUE(fails_exactly(parse_s3_notification(R"({"Records":[7]})"), kBadPayload,
                            "Records[0]: is not an object"));
  const std::string ok = R"({"eventName":"s3:ObjectCreated:Put","s3":{"bucket":{"name":"b"},"object":{"key":"k"}}})";
  EXPECT_TRUE(fails_exactly(parse_s3_notification(R"({"Records":[)" + ok + R"(,{"s3":{}}]})"), kBadPayload,
                            "Records[1].eventName: is missing"));
  EXPECT_TRUE(fails_exactly(parse_s3_notification(R"({"Records":[{"eventName":"s3:ObjectCreated:Put"}]})"),
                            kBadPayload, "Records[0].s3: is missing or not an object"));
  EXPECT_TRUE(fails_exactly(
      parse_s3_notification(R"({"Records":[{"eventName":"x","s3":{"bucket":{"name":"b"},"object":{}}}]})"),
      kBadPayload, "Records[0].s3.object.key: is missing"));
  EXPECT_TRUE(fails_exactly(
      parse_s3_notification(R"({"Records":[{"eventName":"x","s3":{"bucket":{},"object":{"key":"k"}}}]})"),
      kBadPayload, "Records[0].s3.bucket.name: is missing"));
  EXPECT_TRUE(fails_exactly(
      parse_s3_notification(
          R"({"Records":[{"eventName":"x","s3":{"bucket":{"name":"b"},"object":{"key":"k","size":-1}}}]})"),
      kBadPayload, "Records[0].s3.object.size: is not a byte count"));
  EXPECT_TRUE(fails_exactly(
      parse_s3_notification(
          R"({"Records":[{"eventName":"x","eventTime":"yesterday","s3":{"bucket":{"name":"b"},"object":{"key":"k"}}}]})"),
      kBadPayload, "Records[0].eventTime: 'yesterday' is not an ISO 8601 time"));
  EXPECT_TRUE(fails_exactly(
      parse_s3_notification(
          R"({"Records":[{"eventName":"x","s3":{"bucket":{"name":"b"},"object":{"key":"%FF%FE"}}}]})"),
      kBadPayload, "Records[0].s3.object.key: is not UTF-8 once URL-decoded"));
  EXPECT_TRUE(fails_exactly(
      parse_s3_notification(
          R"({"Records":[{"eventName":"x","s3":{"bucket":{"name":"b"},"object":{"key":"k","userMetadata":{"a":1}}}}]})"),
      kBadPayload, "Records[0].s3.object.userMetadata.a: is not a string"));
}

}  // namespace
}  // namespace yunfn::triggers
