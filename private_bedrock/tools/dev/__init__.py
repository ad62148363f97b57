"""Developer tools the tests and `make mutate` use: the template linters, cfn-guard over the templates, the mutation summary."""
