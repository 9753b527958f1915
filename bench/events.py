"""API Gateway HTTP API (payload 2.0) events and a Lambda context, for the bench scripts."""

from __future__ import annotations

import json


def v2_event(path: str, body: dict, key: str, method: str = "POST") -> dict:
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": "",
        "headers": {"content-type": "application/json", "x-api-key": key},
        "requestContext": {
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
                "userAgent": "bench",
            },
            "requestId": "bench",
            "stage": "$default",
            "routeKey": "$default",
            "accountId": "1",
            "apiId": "a",
            "domainName": "d",
            "domainPrefix": "d",
            "time": "",
            "timeEpoch": 0,
        },
        "body": json.dumps(body),
        "isBase64Encoded": False,
    }


class Context:
    function_name, memory_limit_in_mb, aws_request_id = "bench", 1024, "bench"
    invoked_function_arn = "arn:aws:lambda:eu-west-3:1:function:bench"
