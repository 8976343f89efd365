// Package events has the events triggers deliver, as Go types.
package events

// APIGatewayRequestContext is the requestContext of an API gateway event.
type APIGatewayRequestContext struct {
	ServiceID string `json:"serviceId"`
	RequestID string `json:"requestId"`
	Method    string `json:"httpMethod"`
	Path      string `json:"path"`
	SourceIP  string `json:"sourceIp"`
	Stage     string `json:"stage"`
	Identity  struct {
		SecretID *string `json:"secretId"`
	} `json:"identity"`
}

// APIGatewayRequest is an API gateway trigger's event.
type APIGatewayRequest struct {
	Headers               map[string]string        `json:"headers"`
	Method                string                   `json:"httpMethod"`
	Path                  string                   `json:"path"`
	QueryString           map[string]interface{}   `json:"queryString"`
	Body                  string                   `json:"body"`
	Context               APIGatewayRequestContext `json:"requestContext"`
	PathParameters        map[string]string        `json:"pathParameters"`
	QueryStringParameters map[string]string        `json:"queryStringParameters"`
	HeaderParameters      map[string]string        `json:"headerParameters"`
}

// APIGatewayResponse is what a function returns to be an HTTP answer
// (integration response).
type APIGatewayResponse struct {
	IsBase64Encoded bool              `json:"isBase64Encoded"`
	StatusCode      int               `json:"statusCode"`
	Headers         map[string]string `json:"headers"`
	Body            string            `json:"body"`
}
