"""Prove the policies before deploying: the IAM allow/deny matrix of the synthesized templates.

`make prove` (`python -m private_bedrock.tools.prove cdk.out`) prints it for the last synth's assembly, exit 1
on any cell that is not as designed; the tests assert it over their own configurations. The
IAM evaluation is @cloud-copilot/iam-simulate's (simulate.mjs, one Node process per run); this
package reads the templates (deployment.py, resolve.py), builds the cells and states what the
design promises for each (matrix.py), picks the layers the assembly deploys and hashes the
files it read (evidence.py), and prints the tables, Markdown or JSON (report.py).
"""
