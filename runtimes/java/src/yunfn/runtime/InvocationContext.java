package yunfn.runtime;

import com.qcloud.scf.runtime.Context;

/** The Context of one invocation. */
final class InvocationContext implements Context {
    private final String requestId;
    private final int timeLimitInMs;
    private final int memoryLimitInMb;
    private final FunctionEnvironment fixed;

    InvocationContext(Invocation invocation, FunctionEnvironment fixed) {
        this.requestId = invocation.requestId;
        this.timeLimitInMs = FunctionEnvironment.parseInt(invocation.timeLimitMs, fixed.timeLimitMs);
        this.memoryLimitInMb = FunctionEnvironment.parseInt(invocation.memoryMb, fixed.memoryMb);
        this.fixed = fixed;
    }

    @Override
    public String getRequestId() {
        return requestId;
    }

    @Override
    public int getTimeLimitInMs() {
        return timeLimitInMs;
    }

    @Override
    public int getMemoryLimitInMb() {
        return memoryLimitInMb;
    }

    @Override
    public String getFunctionName() {
        return fixed.functionName;
    }

    @Override
    public String getFunctionVersion() {
        return fixed.functionVersion;
    }

    @Override
    public String getNamespace() {
        return fixed.namespace;
    }

    @Override
    public String getEnvironment() {
        return fixed.environment;
    }

    @Override
    public String getEnviron() {
        return fixed.environ;
    }

    @Override
    public String getTencentcloudRegion() {
        return fixed.region;
    }

    @Override
    public String getTencentcloudAppid() {
        return fixed.appId;
    }

    @Override
    public String getTencentcloudUin() {
        return fixed.uin;
    }

    @Override
    public String toString() {
        return "Context{requestId=" + requestId + ", timeLimitInMs=" + timeLimitInMs
            + ", memoryLimitInMb=" + memoryLimitInMb + ", functionName=" + fixed.functionName
            + ", functionVersion=" + fixed.functionVersion + ", namespace=" + fixed.namespace + "}";
    }
}
