"""The app's stack names, in one place (a regional stack's is its configuration's `stack_id`, `PrivateBedrock-<region>`,
which the library's tools also use to find it in a cloud assembly or an account)."""

from __future__ import annotations

FLEET_STACK_ID = "PrivateBedrockFleet"
FENCE_STACK_ID = "PrivateBedrockFence"


def fleet_assets_stack_id(region: str) -> str:
    """One per target region, in the StackSets administrator account: the region's asset bucket."""
    return f"PrivateBedrockFleetAssets-{region}"
