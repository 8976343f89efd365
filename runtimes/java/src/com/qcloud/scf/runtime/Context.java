package com.qcloud.scf.runtime;

/**
 * What an SCF Java handler learns about its invocation: the optional second parameter of
 * `package.Class::method`. The first three methods are SCF's; the defaults below are yunfn
 * additions that carry the rest of the context the other runtimes pass (function name,
 * version, namespace, environment, region, account), so a handler compiled against SCF's
 * interface runs unchanged and one compiled against this one can read them.
 */
public interface Context {
    String getRequestId();

    int getTimeLimitInMs();

    int getMemoryLimitInMb();

    default String getFunctionName() {
        return null;
    }

    default String getFunctionVersion() {
        return null;
    }

    default String getNamespace() {
        return null;
    }

    /** The function's own variables and SCF_NAMESPACE as a JSON object text. */
    default String getEnvironment() {
        return null;
    }

    /** The same variables as `K=V;...`, SCF_NAMESPACE repeated at the end as SCF shows it. */
    default String getEnviron() {
        return null;
    }

    default String getTencentcloudRegion() {
        return null;
    }

    default String getTencentcloudAppid() {
        return null;
    }

    default String getTencentcloudUin() {
        return null;
    }
}
