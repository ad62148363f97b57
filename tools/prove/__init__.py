"""Prove the policies before deploying: the IAM allow/deny matrix of the synthesized templates.

`python -m tools.prove cdk.out` prints it (exit 1 on any cell that is not as designed);
`make prove` runs tests/security/test_iam_matrix.py, which asserts it. The IAM evaluation
is @cloud-copilot/iam-simulate's (simulate.mjs, one Node process per run); this package
reads the templates (deployment.py, resolve.py), builds the cells and states what the
design promises for each (matrix.py), and prints the tables (report.py).
"""
