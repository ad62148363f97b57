"""Private Amazon Bedrock access as code: a CDK construct library.

Folders by concern: `config` (context to typed slices), `facts` (AWS facts as data),
`policies` (pure policy documents), `network`, `probe`, `monitoring`, `security`, `fleet`
(constructs), `tools` (the command-line tools).
"""
