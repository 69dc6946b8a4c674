"""Where streams and replays may be played from (``LIVESTREAM_ALLOWED_HOSTS``), read in one place
for the address validator (``livestream.models``) and the Content-Security-Policy
(``shop.security``): what a host may save is exactly what a buyer's browser may load.

An entry is a host name (``live.example.cn``: that host only) or a wildcard (``.example.cn``, or
``*.example.cn``: any subdomain, not example.cn itself, as CSP reads ``https://*.example.cn``).

A wildcard is refused under a domain where others can make hosts: a cloud's shared storage or
CDN domain (a bucket ``anything.oss-cn-beijing.aliyuncs.com`` is anyone's to create, so
``.aliyuncs.com`` would let any stream in and any script fetch from there) or a public suffix
(``.com``, ``.com.cn``). List the CDN domain you play from instead: the playback domain you
set up with the cloud (a CNAME of your own domain) or the bucket's own host name. A wildcard of a
domain of your own is fine. A refused entry is reported by ``check`` (jingmeng.E004) and never
honoured.
"""

import re
from functools import lru_cache

from django.conf import settings

# Clouds' shared domains: their customers' buckets, CDN and live domains are made under them (and
# alicdn.com serves what Alibaba's sites hold of everyone's uploads).
SHARED_DOMAINS = (
    "aliyuncs.com",  # Aliyun OSS buckets, live and VOD endpoints
    "alicdn.com",
    "alikunlun.com",  # Aliyun CDN / live CNAME targets
    "myqcloud.com",  # Tencent Cloud COS buckets, CDN and live CNAME targets
    "tencentcos.cn",
    "volccdn.com",  # Volcano Engine CDN
    "volces.com",  # Volcano Engine TOS buckets
    "bcebos.com",  # Baidu BOS buckets
    "clouddn.com",  # Qiniu
    "qiniucdn.com",
    "amazonaws.com",
    "cloudfront.net",
    "akamaized.net",
    "azureedge.net",
    "windows.net",
    "googleapis.com",
    "r2.dev",
)
# Suffixes under which anyone registers a domain (besides every one-label suffix, ".com").
PUBLIC_SUFFIXES = ("com.cn", "net.cn", "org.cn", "gov.cn", "edu.cn", "ac.cn", "com.hk", "co.uk")

LABEL = r"(?!-)[a-z0-9-]{1,63}(?<!-)"
HOST_NAME = re.compile(rf"{LABEL}(\.{LABEL})*")


class Refused(ValueError):
    """An entry of LIVESTREAM_ALLOWED_HOSTS that is not honoured; the message says why."""


def normalise(entry: str) -> str:
    """``entry`` as a host (``live.example.cn``) or a wildcard (``.example.cn``), else
    ``Refused``."""
    value = entry.strip().lower().rstrip(".")
    wildcard = value.startswith((".", "*."))
    name = value.removeprefix("*").removeprefix(".")
    if not HOST_NAME.fullmatch(name):
        raise Refused("is not a host name (write live.example.cn, or .example.cn for subdomains)")
    if not wildcard:
        return name
    if "." not in name or name in PUBLIC_SUFFIXES:
        raise Refused("lets in every site under a public suffix")
    shared = next((d for d in SHARED_DOMAINS if name == d or name.endswith("." + d)), None)
    if shared:
        raise Refused(
            f"lets in every bucket and CDN domain that anyone makes under {shared}: "
            "list the host you play from instead"
        )
    return "." + name


@lru_cache(maxsize=8)
def _read(entries: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
    allowed, refused = [], []
    for entry in entries:
        try:
            allowed.append(normalise(entry))
        except Refused as error:
            refused.append((entry, str(error)))
    return tuple(dict.fromkeys(allowed)), tuple(refused)


def allowed_hosts() -> tuple[str, ...]:
    """The entries honoured, normalised: hosts and wildcards (".example.cn")."""
    return _read(tuple(settings.LIVESTREAM_ALLOWED_HOSTS))[0]


def refused_entries() -> tuple[tuple[str, str], ...]:
    """(entry, why) for each entry that is not honoured."""
    return _read(tuple(settings.LIVESTREAM_ALLOWED_HOSTS))[1]


def is_allowed(host: str) -> bool:
    """Whether a browser following the CSP may load from ``host``: the host itself is listed, or
    it is a subdomain of a listed wildcard."""
    host = host.lower().rstrip(".")
    return any(
        host.endswith(entry) if entry.startswith(".") else host == entry
        for entry in allowed_hosts()
    )


def csp_sources() -> list[str]:
    """The honoured entries as CSP sources (".example.cn" → "https://*.example.cn")."""
    return [
        f"https://*{entry}" if entry.startswith(".") else f"https://{entry}"
        for entry in allowed_hosts()
    ]
