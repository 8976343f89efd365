// Identifiers: request ids (UUID text, as SCF returns them) and random ids.
#pragma once

#include <string>
#include <string_view>

namespace yunfn {

// A request id: a UUID (8-4-4-4-12 lowercase hex) whose first 48 bits count up
// within a server run from a random start and whose other bits are random
// (version 8, RFC 9562's custom layout). Ids issued one after another sort
// together, so the invocation log's request-id index grows at its end instead
// of touching a random page per invocation.
std::string new_request_id();
// A random UUID v4 in the same form, for ids whose prefix must differ (function
// and instance ids are cut from it).
std::string random_uuid();
// A request id (8-4-4-4-12 lowercase hex) derived from `seed`: the same seed
// gives the same id, so an event handed over twice is recognised as one.
std::string request_id_from(std::string_view seed);

}  // namespace yunfn
