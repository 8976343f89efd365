#include "cos/errors.h"

#include <map>

#include "cos/xml.h"

namespace yunfn::cos {

http::status status_of(const std::string& code) {
  static const std::map<std::string, http::status> kStatus = {
      {"AccessDenied", http::status::forbidden},
      {"SignatureDoesNotMatch", http::status::forbidden},
      {"RequestTimeTooSkewed", http::status::forbidden},
      {"InvalidAccessKeyId", http::status::forbidden},
      {"NoSuchBucket", http::status::not_found},
      {"NoSuchKey", http::status::not_found},
      {"NoSuchUpload", http::status::not_found},
      {"BucketAlreadyExists", http::status::conflict},
      {"BucketAlreadyOwnedByYou", http::status::conflict},
      {"BucketNotEmpty", http::status::conflict},
      {"InvalidBucketName", http::status::bad_request},
      {"InvalidArgument", http::status::bad_request},
      {"InvalidRequest", http::status::bad_request},
      {"KeyTooLong", http::status::bad_request},
      {"EntityTooLarge", http::status::bad_request},
      {"EntityTooSmall", http::status::bad_request},
      {"IncompleteBody", http::status::bad_request},
      {"InvalidPart", http::status::bad_request},
      {"InvalidPartOrder", http::status::bad_request},
      {"InvalidDigest", http::status::bad_request},
      {"BadDigest", http::status::bad_request},
      {"MalformedXML", http::status::bad_request},
      {"MissingContentLength", http::status::length_required},
      {"XAmzContentSHA256Mismatch", http::status::bad_request},
      {"InvalidRange", http::status::range_not_satisfiable},
      {"PreconditionFailed", http::status::precondition_failed},
      {"NotModified", http::status::not_modified},
      {"MethodNotAllowed", http::status::method_not_allowed},
      {"NotImplemented", http::status::not_implemented},
      {"InternalError", http::status::internal_server_error},
  };
  auto it = kStatus.find(code);
  return it == kStatus.end() ? http::status::internal_server_error : it->second;
}

std::string error_xml(const Error& error, const std::string& resource,
                      const std::string& request_id) {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>" + xml_escape(error.code) +
         "</Code><Message>" + xml_escape(error.message) + "</Message><Resource>" +
         xml_escape(resource) + "</Resource><RequestId>" + xml_escape(request_id) +
         "</RequestId><TraceId>" + xml_escape(request_id) + "</TraceId></Error>";
}

}  // namespace yunfn::cos
