// The SCF error codes yunfn answers with, in one list (grouped as in the SCF
// contract, section 4). Every make_error() takes one of these, so a typo is a
// compile error rather than a new error code. Codes built from a parameter's
// name ("InvalidParameterValue.<Field>", api/params.cpp) are the one exception.
// Constants; any thread.
#pragma once

namespace yunfn {

// An SCF error code: only the constants below are made.
struct ErrorCode {
  const char* text;
};

namespace errc {

// ResourceNotFound: the named resource does not exist.
inline constexpr ErrorCode kResourceNotFound{"ResourceNotFound"};
inline constexpr ErrorCode kResourceNotFoundAlias{"ResourceNotFound.Alias"};
inline constexpr ErrorCode kResourceNotFoundAsyncEvent{"ResourceNotFound.AsyncEvent"};
inline constexpr ErrorCode kResourceNotFoundFunction{"ResourceNotFound.Function"};
inline constexpr ErrorCode kResourceNotFoundFunctionVersion{"ResourceNotFound.FunctionVersion"};
inline constexpr ErrorCode kResourceNotFoundLayer{"ResourceNotFound.Layer"};
inline constexpr ErrorCode kResourceNotFoundLayerVersion{"ResourceNotFound.LayerVersion"};
inline constexpr ErrorCode kResourceNotFoundNamespace{"ResourceNotFound.Namespace"};
inline constexpr ErrorCode kResourceNotFoundQualifier{"ResourceNotFound.Qualifier"};
inline constexpr ErrorCode kResourceNotFoundTrigger{"ResourceNotFound.Trigger"};
inline constexpr ErrorCode kResourceNotFoundCkafka{"ResourceNotFound.Ckafka"};
inline constexpr ErrorCode kResourceNotFoundCos{"ResourceNotFound.Cos"};
inline constexpr ErrorCode kResourceNotFoundCosObject{"ResourceNotFound.CosObject"};
inline constexpr ErrorCode kResourceNotFoundVersion{"ResourceNotFound.Version"};

// ResourceInUse: the resource exists already, or something still uses it.
inline constexpr ErrorCode kResourceInUse{"ResourceInUse"};
inline constexpr ErrorCode kResourceInUseAlias{"ResourceInUse.Alias"};
inline constexpr ErrorCode kResourceInUseFunction{"ResourceInUse.Function"};
inline constexpr ErrorCode kResourceInUseNamespace{"ResourceInUse.Namespace"};
inline constexpr ErrorCode kResourceInUseTrigger{"ResourceInUse.Trigger"};
inline constexpr ErrorCode kResourceInUseCos{"ResourceInUse.Cos"};

// InvalidParameterValue: a parameter has a bad value (the message names it).
inline constexpr ErrorCode kInvalidParameterValue{"InvalidParameterValue"};
inline constexpr ErrorCode kInvalidParameterValueAdditionalVersionWeights{"InvalidParameterValue.AdditionalVersionWeights"};
inline constexpr ErrorCode kInvalidParameterValueAlias{"InvalidParameterValue.Alias"};
inline constexpr ErrorCode kInvalidParameterValueCls{"InvalidParameterValue.Cls"};
inline constexpr ErrorCode kInvalidParameterValueCode{"InvalidParameterValue.Code"};
inline constexpr ErrorCode kInvalidParameterValueCompatibleRuntimes{"InvalidParameterValue.CompatibleRuntimes"};
inline constexpr ErrorCode kInvalidParameterValueContent{"InvalidParameterValue.Content"};
inline constexpr ErrorCode kInvalidParameterValueCustomArgument{"InvalidParameterValue.CustomArgument"};
inline constexpr ErrorCode kInvalidParameterValueDescription{"InvalidParameterValue.Description"};
inline constexpr ErrorCode kInvalidParameterValueEnvironment{"InvalidParameterValue.Environment"};
inline constexpr ErrorCode kInvalidParameterValueEnvironmentExceededLimit{"InvalidParameterValue.EnvironmentExceededLimit"};
inline constexpr ErrorCode kInvalidParameterValueEnvironmentSystemProtect{"InvalidParameterValue.EnvironmentSystemProtect"};
inline constexpr ErrorCode kInvalidParameterValueFunctionName{"InvalidParameterValue.FunctionName"};
inline constexpr ErrorCode kInvalidParameterValueFunctionType{"InvalidParameterValue.FunctionType"};
inline constexpr ErrorCode kInvalidParameterValueHandler{"InvalidParameterValue.Handler"};
inline constexpr ErrorCode kInvalidParameterValueInitTimeout{"InvalidParameterValue.InitTimeout"};
inline constexpr ErrorCode kInvalidParameterValueLayerName{"InvalidParameterValue.LayerName"};
inline constexpr ErrorCode kInvalidParameterValueLayers{"InvalidParameterValue.Layers"};
inline constexpr ErrorCode kInvalidParameterValueMemorySize{"InvalidParameterValue.MemorySize"};
inline constexpr ErrorCode kInvalidParameterValueName{"InvalidParameterValue.Name"};
inline constexpr ErrorCode kInvalidParameterValueNamespace{"InvalidParameterValue.Namespace"};
inline constexpr ErrorCode kInvalidParameterValueParam{"InvalidParameterValue.Param"};
inline constexpr ErrorCode kInvalidParameterValueQualifier{"InvalidParameterValue.Qualifier"};
inline constexpr ErrorCode kInvalidParameterValueReservedConcurrencyMem{"InvalidParameterValue.ReservedConcurrencyMem"};
inline constexpr ErrorCode kInvalidParameterValueRoutingConfig{"InvalidParameterValue.RoutingConfig"};
inline constexpr ErrorCode kInvalidParameterValueRuntime{"InvalidParameterValue.Runtime"};
inline constexpr ErrorCode kInvalidParameterValueTimeout{"InvalidParameterValue.Timeout"};
inline constexpr ErrorCode kInvalidParameterValueTriggerDesc{"InvalidParameterValue.TriggerDesc"};
inline constexpr ErrorCode kInvalidParameterValueTriggerName{"InvalidParameterValue.TriggerName"};
inline constexpr ErrorCode kInvalidParameterValueType{"InvalidParameterValue.Type"};
inline constexpr ErrorCode kInvalidParameterValueVersionProvisionedConcurrencyNum{"InvalidParameterValue.VersionProvisionedConcurrencyNum"};
inline constexpr ErrorCode kInvalidParameterValueZipFile{"InvalidParameterValue.ZipFile"};

// InvalidParameter: the request as a whole is malformed.
inline constexpr ErrorCode kInvalidParameterPayload{"InvalidParameter.Payload"};
inline constexpr ErrorCode kInvalidParameterRequestTooLarge{"InvalidParameter.RequestTooLarge"};

// MissingParameter: a required parameter is absent.
inline constexpr ErrorCode kMissingParameter{"MissingParameter"};
inline constexpr ErrorCode kMissingParameterCode{"MissingParameter.Code"};

// LimitExceeded: a quota or limit is reached.
inline constexpr ErrorCode kLimitExceeded{"LimitExceeded"};
inline constexpr ErrorCode kLimitExceededAlias{"LimitExceeded.Alias"};
inline constexpr ErrorCode kLimitExceededFunction{"LimitExceeded.Function"};
inline constexpr ErrorCode kLimitExceededFunctionVersions{"LimitExceeded.FunctionVersions"};
inline constexpr ErrorCode kLimitExceededInitTimeout{"LimitExceeded.InitTimeout"};
inline constexpr ErrorCode kLimitExceededLayers{"LimitExceeded.Layers"};
inline constexpr ErrorCode kLimitExceededLayerVersions{"LimitExceeded.LayerVersions"};
inline constexpr ErrorCode kLimitExceededMsgTTL{"LimitExceeded.MsgTTL"};
inline constexpr ErrorCode kLimitExceededNamespace{"LimitExceeded.Namespace"};
inline constexpr ErrorCode kLimitExceededQuota{"LimitExceeded.Quota"};
inline constexpr ErrorCode kLimitExceededRetryNum{"LimitExceeded.RetryNum"};
inline constexpr ErrorCode kLimitExceededTimeout{"LimitExceeded.Timeout"};
inline constexpr ErrorCode kLimitExceededTotalConcurrencyMemory{"LimitExceeded.TotalConcurrencyMemory"};
inline constexpr ErrorCode kLimitExceededTrigger{"LimitExceeded.Trigger"};

// FailedOperation: the action cannot be done in the resource's current state.
inline constexpr ErrorCode kFailedOperation{"FailedOperation"};
inline constexpr ErrorCode kFailedOperationAsyncEventStatus{"FailedOperation.AsyncEventStatus"};
inline constexpr ErrorCode kFailedOperationDeleteNamespace{"FailedOperation.DeleteNamespace"};
inline constexpr ErrorCode kFailedOperationFunctionStatusError{"FailedOperation.FunctionStatusError"};
inline constexpr ErrorCode kFailedOperationInvokeFunction{"FailedOperation.InvokeFunction"};
inline constexpr ErrorCode kFailedOperationProvisionedExceedAvailable{"FailedOperation.ProvisionedExceedAvailable"};
inline constexpr ErrorCode kFailedOperationProvisionedExceedReserved{"FailedOperation.ProvisionedExceedReserved"};
inline constexpr ErrorCode kFailedOperationPublishVersion{"FailedOperation.PublishVersion"};
inline constexpr ErrorCode kFailedOperationTopicNotExist{"FailedOperation.TopicNotExist"};
inline constexpr ErrorCode kFailedOperationReservedExceedTotal{"FailedOperation.ReservedExceedTotal"};
inline constexpr ErrorCode kFailedOperationUpdateFunctionCode{"FailedOperation.UpdateFunctionCode"};
inline constexpr ErrorCode kFailedOperationUpdateFunctionConfiguration{"FailedOperation.UpdateFunctionConfiguration"};
inline constexpr ErrorCode kFailedOperationUpdateTriggerStatus{"FailedOperation.UpdateTriggerStatus"};

// UnsupportedOperation: SCF has it, yunfn does not (yet).
inline constexpr ErrorCode kUnsupportedOperation{"UnsupportedOperation"};
inline constexpr ErrorCode kUnsupportedOperationAliasBind{"UnsupportedOperation.AliasBind"};
inline constexpr ErrorCode kUnsupportedOperationTrigger{"UnsupportedOperation.Trigger"};

// AuthFailure: TC3 signature checks, and the tokens of cos trigger webhooks.
inline constexpr ErrorCode kAuthFailure{"AuthFailure"};
inline constexpr ErrorCode kAuthFailureInvalidAuthorization{"AuthFailure.InvalidAuthorization"};
inline constexpr ErrorCode kAuthFailureSecretIdNotFound{"AuthFailure.SecretIdNotFound"};
inline constexpr ErrorCode kAuthFailureSignatureExpire{"AuthFailure.SignatureExpire"};
inline constexpr ErrorCode kAuthFailureSignatureFailure{"AuthFailure.SignatureFailure"};
inline constexpr ErrorCode kAuthFailureTokenFailure{"AuthFailure.TokenFailure"};

// InternalError: the platform failed, not the caller.
inline constexpr ErrorCode kInternalError{"InternalError"};
inline constexpr ErrorCode kInternalErrorSystem{"InternalError.System"};

// Request-level codes of the TencentCloud API v3 (any service), and yunfn's own.
inline constexpr ErrorCode kBadRequest{"BadRequest"};
inline constexpr ErrorCode kInvalidAction{"InvalidAction"};
inline constexpr ErrorCode kInvalidIntegrationResponse{"InvalidIntegrationResponse"};
inline constexpr ErrorCode kNoSuchVersion{"NoSuchVersion"};
inline constexpr ErrorCode kRequestLimitExceeded{"RequestLimitExceeded"};
inline constexpr ErrorCode kUnknownParameter{"UnknownParameter"};
inline constexpr ErrorCode kUnsupportedProtocol{"UnsupportedProtocol"};

}  // namespace errc
}  // namespace yunfn
