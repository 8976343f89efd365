// Alias routing: the SCF RoutingConfig of an alias sends a share of traffic
// (AdditionalVersionWeights) or the requests that match a rule on a routing
// key (AddtionVersionMatchs, SCF's spelling) to one additional version.
// Pure functions; any thread.
#pragma once

#include <string>

#include "common/json.h"
#include "common/result.h"

namespace yunfn::control {

// Checks a RoutingConfig (shape, at most one additional version, weights in
// [0, 1], rule methods and expressions). `main_version` may not be routed to.
Status check_routing_config(const Json& routing, const std::string& main_version);

// The additional version a RoutingConfig names, or "" when it names none.
std::string additional_version(const Json& routing);

// Picks the version for one request. `routing_key` is the Invoke RoutingKey
// object (may be null); `random01` a uniform number in [0, 1).
std::string pick_version(const std::string& main_version, const Json& routing,
                         const Json& routing_key, double random01);

}  // namespace yunfn::control
