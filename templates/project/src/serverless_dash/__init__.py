"""The platform: everything Lambda needs around your Dash app (src/app.py, src/pages/, src/assets/).
You never edit this package; `create-serverless-dash upgrade` replaces it with a newer version's.

    handler        the Lambda entry: one request, start to end
    loader         imports your app once per container at the stack's public prefix, and prepares it
    events         an API Gateway event made whole, or refused (400/500) when it cannot be served
    doors          the stack's one public door, and the path below its prefix; other doors refused
    responses      binary bodies, the 6 MB limit, and the handler's own plain answers
    precompressed  Dash's scripts and assets as compressed at build time (brotli 11, gzip 9)
    headers        security headers, cache headers, content hashes on asset links
    logs           error logs naming the request (Lambda's and API Gateway's request ids)

Only with the answers that turned them on: auth (sign-in, --auth cognito), cdn (the CloudFront
door, --cdn).
"""
