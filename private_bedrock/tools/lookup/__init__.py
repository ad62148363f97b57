"""Ask an account what synthesis needs (endpoint services, inference profiles, model availability, deployed endpoint ids) and cache it in cdk.context.json."""
