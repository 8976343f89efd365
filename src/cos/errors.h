// COS error answers: the HTTP status of each COS error code and the XML body
// `<Error><Code/><Message/><Resource/><RequestId/></Error>`. Errors inside the
// bucket service are yunfn::Error values whose code is the COS code. Pure.
#pragma once

#include <string>

#include "common/asio.h"
#include "common/result.h"

namespace yunfn::cos {

// The status COS answers `code` with (500 for codes not in the list).
http::status status_of(const std::string& code);

// The XML body of an error answer.
std::string error_xml(const Error& error, const std::string& resource,
                      const std::string& request_id);

}  // namespace yunfn::cos
