"""StackSets delivery (issue 13): the asset buckets, the verifier role and the StackSets.

README: "Roll out to an organisation with StackSets"; docs/internals.md for why cdk-stacksets.
"""
