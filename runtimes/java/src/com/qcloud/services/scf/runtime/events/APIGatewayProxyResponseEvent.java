package com.qcloud.services.scf.runtime.events;

import java.io.Serializable;
import java.util.Map;

/**
 * An API gateway integration response: the handler returns it and the gateway answers
 * with `statusCode`, `headers` and `body` (base64-decoded when `isBase64Encoded`).
 */
public class APIGatewayProxyResponseEvent implements Serializable {
    private static final long serialVersionUID = 1L;

    private Integer statusCode;
    private Map<String, String> headers;
    private String body;
    private Boolean isBase64Encoded;

    public APIGatewayProxyResponseEvent() {
    }

    public Integer getStatusCode() {
        return statusCode;
    }

    public void setStatusCode(Integer statusCode) {
        this.statusCode = statusCode;
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

    public Boolean getIsBase64Encoded() {
        return isBase64Encoded;
    }

    public void setIsBase64Encoded(Boolean isBase64Encoded) {
        this.isBase64Encoded = isBase64Encoded;
    }

    @Override
    public String toString() {
        return "APIGatewayProxyResponseEvent{statusCode=" + statusCode + ", headers=" + headers
            + ", body=" + body + ", isBase64Encoded=" + isBase64Encoded + "}";
    }
}
