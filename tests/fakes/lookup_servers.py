"""A local stand-in for the Bedrock control plane and bedrock-mantle's models.list, for the lookup.

Real botocore (and a real SigV4 signature) over HTTP on 127.0.0.1: the server answers
GetInferenceProfile, ListFoundationModels, ListInferenceProfiles (paginated) and
GetFoundationModelAvailability in the shapes of the Bedrock API, Route 53 Profiles'
ListProfileAssociations, and GET /v1/models in the OpenAI shape, and records each request's signing
service so tests can check the lookup signs for the right one.
"""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, unquote, urlparse

from tests.fakes.loopback import AwsHandler, LoopbackServers
_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/([a-z0-9-]+)/([a-z0-9-]+)/aws4_request")


class FakeBedrockControl(LoopbackServers):
    """profiles: {profile id: [destination regions]}; foundation: {model id: [inference types]};
    mantle: [model ids] or None (models.list answers 503)."""

    def __init__(self, profiles: dict, foundation: dict, mantle: list[str] | None, page_size: int = 2,
                 availability: dict | None = None, profile_associations: dict | None = None):
        self.profiles, self.foundation, self.mantle, self.page_size = profiles, foundation, mantle, page_size
        # GetFoundationModelAvailability per model id (default: everything available); Route 53
        # Profiles ListProfileAssociations per VPC id ({vpc: [profile ids]}).
        self.availability = availability or {}
        self.profile_associations = profile_associations or {}
        self.requests: list[tuple[str, str, str]] = []  # (path, signing region, signing service)
        self._serve({"control": _handler_for(self)})


def _handler_for(fake: FakeBedrockControl):
    class Handler(AwsHandler):
        def _send(self, status: int, payload: dict, headers: dict | None = None):
            self.reply(status, json.dumps(payload).encode(), "application/json", headers)

        def do_GET(self):
            scope = _SCOPE.search(self.headers.get("Authorization", ""))
            if not scope:
                return self._send(403, {"message": "missing SigV4 signature"})
            url = urlparse(self.path)
            path = unquote(url.path)
            fake.requests.append((path, scope.group(1), scope.group(2)))
            if path == "/v1/models":
                if fake.mantle is None:
                    return self._send(503, {"error": {"message": "unavailable"}})
                return self._send(200, {"object": "list", "data": [{"id": m, "object": "model"} for m in fake.mantle]})
            if path.startswith("/foundation-model-availability/"):
                model = path.removeprefix("/foundation-model-availability/")
                agreement, entitlement, authorization = fake.availability.get(model, ("AVAILABLE", "AVAILABLE", "AUTHORIZED"))
                return self._send(200, {"modelId": model, "agreementAvailability": {"status": agreement},
                                        "entitlementAvailability": entitlement, "authorizationStatus": authorization,
                                        "regionAvailability": "AVAILABLE"})
            if path == "/profileassociations":
                vpc = parse_qs(url.query).get("resourceId", [""])[0]
                return self._send(200, {"ProfileAssociations": [
                    {"Id": f"rpassoc-{i}", "ProfileId": p, "ResourceId": vpc, "Status": "COMPLETE", "Name": p}
                    for i, p in enumerate(fake.profile_associations.get(vpc, []))]})
            if path == "/foundation-models":
                summaries = [{"modelId": m, "modelArn": f"arn:aws:bedrock:{scope.group(1)}::foundation-model/{m}", "inferenceTypesSupported": t} for m, t in fake.foundation.items()]
                return self._send(200, {"modelSummaries": summaries})
            if path == "/inference-profiles":
                query = parse_qs(url.query)
                start = int(query.get("nextToken", ["0"])[0])
                ids = sorted(fake.profiles)
                page = ids[start : start + fake.page_size]
                payload: dict = {"inferenceProfileSummaries": [_summary(p, fake.profiles[p], scope.group(1)) for p in page]}
                if start + fake.page_size < len(ids):
                    payload["nextToken"] = str(start + fake.page_size)
                return self._send(200, payload)
            if path.startswith("/inference-profiles/"):
                profile_id = path.removeprefix("/inference-profiles/")
                if profile_id not in fake.profiles:
                    return self._send(404, {"message": f"The inference profile {profile_id} was not found."}, {"x-amzn-ErrorType": "ResourceNotFoundException"})
                return self._send(200, _summary(profile_id, fake.profiles[profile_id], scope.group(1)))
            return self._send(404, {"message": f"no route {path}"}, {"x-amzn-ErrorType": "ResourceNotFoundException"})

    return Handler


def _summary(profile_id: str, regions: list[str], source: str) -> dict:
    model = profile_id.split(".", 1)[1]
    return {
        "inferenceProfileId": profile_id,
        "inferenceProfileName": profile_id,
        "inferenceProfileArn": f"arn:aws:bedrock:{source}:123456789012:inference-profile/{profile_id}",
        "models": [{"modelArn": f"arn:aws:bedrock:{r}::foundation-model/{model}"} for r in regions],
        "status": "ACTIVE",
        "type": "SYSTEM_DEFINED",
    }
