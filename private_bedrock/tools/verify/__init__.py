"""Verify a deployment: invoke the deployed probe (one region, or a fleet of StackSet instances) and compare what it reports with the synthesized template."""
