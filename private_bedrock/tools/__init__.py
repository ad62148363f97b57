"""Command-line tools by audience: report (the synth summary), prove (the offline IAM matrix), verify (a deployed stack), lookup (account facts), dev (lint, scanners, mutation summary)."""
