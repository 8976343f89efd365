// The rules of `cos` triggers (spec 9.2, 9.8): the bucket domain in
// TriggerName, the event and key filter in TriggerDesc (with yunfn's
// `yunfnExternal` extension for buckets of an external S3-compatible store),
// which object events a rule matches, which rules on one bucket conflict, and
// the SCF COS event and its async invocation.
// Pure functions; any thread.
#pragma once

#include <string>

#include "common/result.h"
#include "cos/object_events.h"
#include "invoke/invocation.h"
#include "store/records.h"

namespace yunfn::triggers::cos_rules {

// A bucket named by its XML domain, `<name>-<appid>.cos.<region>.myqcloud.com`.
struct BucketDomain {
  std::string name;    // "photos"
  std::string appid;   // "1250000000"
  std::string region;  // "ap-guangzhou"
  std::string bucket() const { return name + "-" + appid; }
  std::string domain() const { return bucket() + ".cos." + region + ".myqcloud.com"; }
};
// Errors: InvalidParameterValue.TriggerName.
Result<BucketDomain> parse_domain(const std::string& trigger_name);

struct Rule {
  std::string event;   // "cos:ObjectCreated:*", "cos:ObjectRemove:Delete", ...
  std::string prefix;  // of the key; empty: any
  std::string suffix;  // of the key, starting with '.'; empty: any
  // yunfn's extension: the bucket lives in an external S3-compatible store
  // (MinIO, Ceph RGW) whose bucket notifications reach the trigger's webhook;
  // this is its name there. Empty: a bucket of the bucket service.
  std::string external_bucket;
  bool external() const { return !external_bucket.empty(); }
};
// Errors: InvalidParameterValue.TriggerDesc naming what is wrong.
Result<Rule> parse_rule(const std::string& trigger_desc);
// The stored form: {"event":"...","filter":{"Prefix":"...","Suffix":"..."}},
// plus "yunfnExternal":{"bucket":"..."} for an external bucket.
std::string rule_desc(const Rule& rule);

// Whether an object event (its name and key) fires the rule.
bool matches(const Rule& rule, const std::string& event_name, const std::string& key);
// Whether one object event could fire both rules: SCF lets an event reach one
// function only, so such rules on the same bucket are refused.
bool overlap(const Rule& a, const Rule& b);

// The SCF COS event (spec 9.2) for one object event delivered to a function.
std::string cos_event(const cos::ObjectEvent& e, const BucketDomain& bucket, const std::string& event_queue);
// The async invocation of the trigger's function for one object event, under
// the given (stable) request id; its event names the function in eventQueue.
invoke::InvocationRequest cos_invocation(const cos::ObjectEvent& e, const BucketDomain& bucket,
                                         const store::TriggerRecord& trigger, std::string request_id);
// SCF's short region code ("gz" for ap-guangzhou); the long name when unknown.
std::string short_region(const std::string& region);

}  // namespace yunfn::triggers::cos_rules
