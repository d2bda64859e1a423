"""The Lambda adapter: what stands between API Gateway and the Dash app. The platform's room;
your dashboard lives in src/dashboard/.

    events     an API Gateway event made whole, or refused (400/500) when it cannot be served
    cdn        the CloudFront door: the only way in when the stack has a distribution
    doors      which door a request came through, and the URL prefix the browser sees there
    apps       one Dash app per prefix, built on first use and cached for the container's life
    precompressed  Dash's scripts and assets as compressed at build time (brotli 11, gzip 9)
    responses  binary bodies, the 6 MB limit, and the handler's own plain answers
    auth       sign-in (--auth cognito): only a verified session reaches the app

handler.py ties them together.
"""
