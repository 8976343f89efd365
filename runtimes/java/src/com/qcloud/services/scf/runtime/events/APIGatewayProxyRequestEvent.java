package com.qcloud.services.scf.runtime.events;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import java.io.IOException;
import java.io.Serializable;
import java.util.Map;

/** The event of an API gateway trigger (the gateway's integration request). */
public class APIGatewayProxyRequestEvent implements Serializable {
    private static final long serialVersionUID = 1L;

    private ProxyRequestContext requestContext;
    private Map<String, String> headers;
    private String body;
    private Map<String, String> pathParameters;
    private Map<String, String> queryStringParameters;
    private Map<String, String> headerParameters;
    private Map<String, String> stageVariables;
    private String path;
    // A repeated key arrives as a list and a bare key as `true`: both become strings.
    @JsonDeserialize(contentUsing = QueryValue.class)
    private Map<String, String> queryString;
    private String httpMethod;
    private Boolean isBase64Encoded;

    public APIGatewayProxyRequestEvent() {
    }

    public ProxyRequestContext getRequestContext() {
        return requestContext;
    }

    public void setRequestContext(ProxyRequestContext requestContext) {
        this.requestContext = requestContext;
    }

    public Map<String, String> getHeaders() {
        return headers;
    }

    public void setHeaders(Map<String, String> headers) {
        this.headers = headers;
    }

    public String getBody() {
        return body;
    }

    public void setBody(String body) {
        this.body = body;
    }

    public Map<String, String> getPathParameters() {
        return pathParameters;
    }

    public void setPathParameters(Map<String, String> pathParameters) {
        this.pathParameters = pathParameters;
    }

    public Map<String, String> getQueryStringParameters() {
        return queryStringParameters;
    }

    public void setQueryStringParameters(Map<String, String> queryStringParameters) {
        this.queryStringParameters = queryStringParameters;
    }

    public Map<String, String> getHeaderParameters() {
        return headerParameters;
    }

    public void setHeaderParameters(Map<String, String> headerParameters) {
        this.headerParameters = headerParameters;
    }

    public Map<String, String> getStageVariables() {
        return stageVariables;
    }

    public void setStageVariables(Map<String, String> stageVariables) {
        this.stageVariables = stageVariables;
    }

    public String getPath() {
        return path;
    }

    public void setPath(String path) {
        this.path = path;
    }

    /** Every query parameter; a repeated key's values joined with `,`, a bare key `"true"`. */
    public Map<String, String> getQueryString() {
        return queryString;
    }

    public void setQueryString(Map<String, String> queryString) {
        this.queryString = queryString;
    }

    public String getHttpMethod() {
        return httpMethod;
    }

    public void setHttpMethod(String httpMethod) {
        this.httpMethod = httpMethod;
    }

    public Boolean getIsBase64Encoded() {
        return isBase64Encoded;
    }

    @JsonProperty("isBase64Encoded")
    public void setIsBase64Encoded(Boolean isBase64Encoded) {
        this.isBase64Encoded = isBase64Encoded;
    }

    /** SCF's spelling of the setter. */
    @JsonIgnore
    public void setisBase64Encoded(Boolean isBase64Encoded) {
        this.isBase64Encoded = isBase64Encoded;
    }

    @Override
    public String toString() {
        return "APIGatewayProxyRequestEvent{httpMethod=" + httpMethod + ", path=" + path
            + ", queryString=" + queryString + ", headers=" + headers + ", body=" + body + "}";
    }

    /** Where the request came through: the gateway service, stage and caller. */
    public static class ProxyRequestContext implements Serializable {
        private static final long serialVersionUID = 1L;

        private String serviceId;
        private String path;
        private String httpMethod;
        private String requestId;
        private RequestIdentity identity;
        private String sourceIp;
        private String stage;
        private Boolean isBase64Encoded;

        public ProxyRequestContext() {
        }

        public String getServiceId() {
            return serviceId;
        }

        public void setServiceId(String serviceId) {
            this.serviceId = serviceId;
        }

        public String getPath() {
            return path;
        }

        public void setPath(String path) {
            this.path = path;
        }

        public String getHttpMethod() {
            return httpMethod;
        }

        public void setHttpMethod(String httpMethod) {
            this.httpMethod = httpMethod;
        }

        public String getRequestId() {
            return requestId;
        }

        public void setRequestId(String requestId) {
            this.requestId = requestId;
        }

        public RequestIdentity getIdentity() {
            return identity;
        }

        public void setIdentity(RequestIdentity identity) {
            this.identity = identity;
        }

        public String getSourceIp() {
            return sourceIp;
        }

        public void setSourceIp(String sourceIp) {
            this.sourceIp = sourceIp;
        }

        public String getStage() {
            return stage;
        }

        public void setStage(String stage) {
            this.stage = stage;
        }

        public Boolean getIsBase64Encoded() {
            return isBase64Encoded;
        }

        public void setIsBase64Encoded(Boolean isBase64Encoded) {
            this.isBase64Encoded = isBase64Encoded;
        }

        @Override
        public String toString() {
            return "ProxyRequestContext{serviceId=" + serviceId + ", path=" + path
                + ", requestId=" + requestId + ", sourceIp=" + sourceIp + ", stage=" + stage + "}";
        }
    }

    public static class RequestIdentity implements Serializable {
        private static final long serialVersionUID = 1L;

        private String secretId;

        public RequestIdentity() {
        }

        public String getSecretId() {
            return secretId;
        }

        public void setSecretId(String secretId) {
            this.secretId = secretId;
        }

        @Override
        public String toString() {
            return "RequestIdentity{secretId=" + secretId + "}";
        }
    }

    /** A queryString value: a string, a list of strings (joined with `,`) or a boolean. */
    public static class QueryValue extends JsonDeserializer<String> {
        @Override
        public String deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            if (p.currentToken() != JsonToken.START_ARRAY) {
                return p.getValueAsString();
            }
            StringBuilder joined = new StringBuilder();
            for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
                if (t.isStructStart()) {
                    p.skipChildren();
                    continue;
                }
                if (joined.length() > 0) {
                    joined.append(',');
                }
                joined.append(p.getValueAsString());
            }
            return joined.toString();
        }
    }
}
