"""StackSets delivery: the asset buckets, the verifier role and the fleet verify caller policy (docs: "Roll out to an organisation with StackSets")."""
