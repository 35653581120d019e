"""Credentials in the shape each issuer hands them out: prefix, length and alphabet.

Values are random, never real. Where a credential sits inside a larger string (a connection
string, a command line, a key file) only the secret part is labelled, as a Seg with its family.
"""

from __future__ import annotations

import base64
import json
import random
import string
from urllib.parse import quote

from tests.support.redaction_holdout.segments import Value, join, secret

ALNUM = string.ascii_letters + string.digits
URLSAFE = ALNUM + "-_"
BASE32 = string.ascii_uppercase + "234567"
HEX = "0123456789abcdef"


def _pick(rng: random.Random, alphabet: str, count: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(count))


def github_token(rng: random.Random) -> Value:
    if rng.random() < 0.25:
        return secret("github_token", f"github_pat_{_pick(rng, ALNUM, 22)}_{_pick(rng, ALNUM, 59)}")
    return secret("github_token", rng.choice(("ghp_", "gho_", "ghu_", "ghs_", "ghr_")) + _pick(rng, ALNUM, 36))


def slack_token(rng: random.Random) -> Value:
    team, user = _pick(rng, string.digits, rng.choice((10, 11, 12, 13))), _pick(rng, string.digits, 13)
    kind = rng.randrange(3)
    if kind == 0:
        token = f"xoxb-{team}-{user}-{_pick(rng, ALNUM, 24)}"
    elif kind == 1:
        token = f"xoxp-{team}-{user}-{_pick(rng, string.digits, 13)}-{_pick(rng, HEX, 32)}"
    else:
        token = f"xapp-1-A{_pick(rng, string.ascii_uppercase + string.digits, 10)}-{user}-{_pick(rng, HEX, 64)}"
    return secret("slack_token", token)


def stripe_key(rng: random.Random) -> Value:
    prefix = rng.choice(("sk_live_", "sk_live_", "rk_live_"))
    return secret("stripe_key", prefix + _pick(rng, ALNUM, rng.choice((24, 99))))


def stripe_publishable(rng: random.Random) -> str:
    """Publishable keys ship in every checkout page: public, never a label."""
    return "pk_live_" + _pick(rng, ALNUM, rng.choice((24, 99)))


def google_api_key(rng: random.Random) -> Value:
    return secret("google_api_key", "AIza" + _pick(rng, URLSAFE, 35))


def openai_key(rng: random.Random) -> Value:
    kind = rng.randrange(3)
    if kind == 0:
        token = f"sk-{_pick(rng, ALNUM, 20)}T3BlbkFJ{_pick(rng, ALNUM, 20)}"
    else:
        prefix = "sk-proj-" if kind == 1 else "sk-svcacct-"
        token = f"{prefix}{_pick(rng, URLSAFE, 74)}T3BlbkFJ{_pick(rng, URLSAFE, 74)}"
    return secret("openai_key", token)


def aws_key_id(rng: random.Random) -> Value:
    return secret("aws_key", rng.choice(("AKIA", "AKIA", "ASIA")) + _pick(rng, BASE32, 16))


def aws_secret(rng: random.Random) -> Value:
    return secret("aws_key", _pick(rng, ALNUM + "/+", 40))


def vault_token(rng: random.Random) -> Value:
    kind = rng.randrange(3)
    if kind == 0:
        token = "hvs." + rng.choice((_pick(rng, ALNUM, 24), "CAESI" + _pick(rng, URLSAFE, 90)))
    elif kind == 1:
        token = "hvb.AAAAAQ" + _pick(rng, URLSAFE, 120)
    else:
        token = "s." + _pick(rng, ALNUM, 24)
    return secret("vault_token", token)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def jwt(rng: random.Random, subject: str = "") -> Value:
    alg = rng.choice(("HS256", "RS256", "ES256"))
    header = {"alg": alg, "typ": "JWT"} if alg == "HS256" else {"alg": alg, "kid": _pick(rng, HEX, 16), "typ": "JWT"}
    issued = 1_764_000_000 + rng.randrange(10_000_000)
    claims = {
        "sub": subject or f"usr_{_pick(rng, ALNUM, 10)}",
        "iat": issued,
        "exp": issued + 3600,
        "iss": rng.choice(("https://auth.kassa.example", "https://sso.intra.example/realms/ops")),
        "scope": rng.choice(("orders:read", "openid profile", "admin")),
    }
    signature = rng.randbytes({"HS256": 32, "RS256": 256, "ES256": 64}[alg])
    token = ".".join(
        (
            _b64url(json.dumps(header, separators=(",", ":")).encode()),
            _b64url(json.dumps(claims, separators=(",", ":")).encode()),
            _b64url(signature),
        )
    )
    return secret("jwt", token)


def password(rng: random.Random) -> str:
    """A password as people pick them: words with digits and symbols, or generated strings."""
    style = rng.randrange(4)
    if style == 0:
        return (
            rng.choice(("Zomer", "Lato", "Sommar", "Kesä", "Yaz", "Verano", "Sommer"))
            + str(rng.randrange(1970, 2027))
            + rng.choice("!#$%&*")
        )
    if style == 1:
        return _pick(rng, ALNUM, rng.randrange(16, 33))
    if style == 2:
        return _pick(rng, ALNUM + "!#%^*()-_=+.,", rng.randrange(12, 24))
    return "-".join(
        rng.choice(("paard", "kolo", "hund", "talo", "kedi", "casa", "bord", "stol", "lampa")) for _ in range(3)
    ) + str(rng.randrange(10, 99))


def http_basic(rng: random.Random, user: str) -> Value:
    """`Basic <base64(user:password)>`; the base64 blob is the secret."""
    return join("Basic ", secret("http_basic", base64.b64encode(f"{user}:{password(rng)}".encode()).decode()))


COOKIE_SHAPES = (
    "sessionid",
    "JSESSIONID",
    "PHPSESSID",
    "connect.sid",
    "ASP.NET_SessionId",
    "laravel_session",
    "_shop_session",
    "session",
    "__Host-next-auth.session-token",
    "rack.session",
    "ci_session",
)


def session_cookie(rng: random.Random) -> tuple[str, Value]:
    """A framework's session cookie: (cookie name, labelled value)."""
    name = rng.choice(COOKIE_SHAPES)
    if name == "sessionid":
        value = _pick(rng, string.ascii_lowercase + string.digits, 32)
    elif name == "JSESSIONID":
        value = _pick(rng, "0123456789ABCDEF", 32) + rng.choice(("", ".node0", ".worker1"))
    elif name == "PHPSESSID":
        value = _pick(rng, string.ascii_lowercase + string.digits, rng.choice((26, 32)))
    elif name == "connect.sid":
        signature = base64.b64encode(rng.randbytes(32)).decode().rstrip("=")
        value = f"s%3A{_pick(rng, URLSAFE, 32)}.{signature.replace('/', '%2F').replace('+', '%2B')}"
    elif name == "ASP.NET_SessionId":
        value = _pick(rng, "abcdefghijklmnopqrstuvwxyz012345", 24)
    elif name in {"laravel_session", "ci_session"}:
        value = "eyJpdiI6" + _pick(rng, ALNUM, 180) + "%3D%3D"
    elif name in {"_shop_session", "rack.session"}:
        value = (
            base64.b64encode(rng.randbytes(90)).decode().replace("=", "%3D").replace("/", "%2F").replace("+", "%2B")
            + "--"
            + _pick(rng, HEX, 40)
        )
    elif name == "session":  # Flask: base64 payload . timestamp . signature
        value = f"eyJ{_pick(rng, URLSAFE, 40)}.{_pick(rng, URLSAFE, 6)}.{_pick(rng, URLSAFE, 27)}"
    else:
        jwe_header = "eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0"  # {"alg":"dir","enc":"A256GCM"}, as next-auth encrypts
        value = f"{jwe_header}..{_pick(rng, URLSAFE, 22)}.{_pick(rng, URLSAFE, 160)}.{_pick(rng, URLSAFE, 22)}"
    return name, secret("session_cookie", value)


def cli_password(rng: random.Random) -> Value:
    """A command line carrying a password; only the password is labelled."""
    pw = secret("cli_password", password(rng).replace("'", ""))
    user = rng.choice(("root", "etl", "backup", "admin", "svc_report"))
    host = rng.choice(("db-primary.internal", "10.20.0.15", "mysql.prod.svc", "pg-replica-2"))
    shapes = (
        lambda: join(f"mysql -h {host} -u {user} -p", pw, " --database=orders"),
        lambda: join(f"mysqldump -u{user} -p", pw, " --single-transaction crm"),
        lambda: join("PGPASSWORD=", pw, f" psql -h {host} -U {user} -d analytics -c 'select 1'"),
        lambda: join(f"redis-cli -h {host} -a ", pw, " --no-auth-warning ping"),
        lambda: join(f"mongosh --host {host} -u {user} -p ", pw, " --authenticationDatabase admin"),
        lambda: join("sshpass -p ", pw, f" ssh {user}@{host} uptime"),
        lambda: join(f"docker login registry.intra.example -u {user} --password ", pw),
        lambda: join(f"curl -u {user}:", pw, f" https://{host}/api/health"),
        lambda: join("mlflow server --backend-store-uri sqlite:///m.db --db-password=", pw),
        lambda: join(f"rabbitmqctl add_user {user} ", pw),
        lambda: join(f"az login --service-principal -u {user} --password=", pw, " --tenant corp"),
        lambda: join("MYSQL_PWD=", pw, f" mysql -u {user} -e 'show databases'"),
    )
    return rng.choice(shapes)()


def connection_string(rng: random.Random) -> Value:
    """A connection string of one of many schemes; only the password is labelled."""
    raw = password(rng)
    url_pw = secret("connection_string", quote(raw, safe="!*()-_.~"))
    user = rng.choice(("app", "etl_rw", "reporting", "mlflow", "airflow", "svc-bind"))
    shapes = (
        lambda: join(f"postgresql://{user}:", url_pw, "@pg-main.internal:5432/features?sslmode=require"),
        lambda: join(f"postgres://{user}:", url_pw, "@10.4.2.9/warehouse"),
        lambda: join(f"postgresql+psycopg2://{user}:", url_pw, "@db:5432/mlflow"),
        lambda: join(f"mysql://{user}:", url_pw, "@mysql.prod.svc:3306/shop"),
        lambda: join(f"mongodb+srv://{user}:", url_pw, "@cluster0.x1y2z.mongodb.net/events?retryWrites=true&w=majority"),
        lambda: join(f"redis://{user}:", url_pw, "@cache-1:6379/0"),
        lambda: join("rediss://:", url_pw, "@redis.cache.example:6380/2"),
        lambda: join(f"amqp://{user}:", url_pw, "@rabbitmq:5672/%2F"),
        lambda: join(f"amqps://{user}:", url_pw, "@b-1.mq.example:5671/vhost"),
        lambda: join(
            "jdbc:sqlserver://sql01.corp:1433;databaseName=Billing;user=sa;password=",
            secret("connection_string", raw.replace(";", "")),
            ";encrypt=true",
        ),
        lambda: join(
            f"Server=tcp:sql01.corp,1433;Database=Billing;User Id={user};Password=",
            secret("connection_string", raw.replace(";", "")),
            ";TrustServerCertificate=True",
        ),
        lambda: join(f"sftp://{user}:", url_pw, "@files.partner.example:22/inbox"),
        lambda: join(f"ldap://cn={user},ou=svc:", url_pw, "@ldap.corp.example:389/dc=corp,dc=example"),
        lambda: join(f"mssql+pyodbc://{user}:", url_pw, "@dsn_billing"),
    )
    return rng.choice(shapes)()


_PKCS8_RSA_PREFIX = bytes.fromhex("308204bd020100300d06092a864886f70d0101010500048204a7")


def service_account(rng: random.Random, project: str) -> Value:
    """A GCP service-account key file as JSON text; private_key_id and the key's base64 body are labelled."""
    key_id = _pick(rng, HEX, 40)
    der = _PKCS8_RSA_PREFIX + rng.randbytes(1217 - len(_PKCS8_RSA_PREFIX))
    b64 = base64.b64encode(der).decode()
    body = "\\n".join(b64[start : start + 64] for start in range(0, len(b64), 64))
    account = f"{rng.choice(('trainer', 'feature-sync', 'ci-deployer'))}@{project}.iam.gserviceaccount.com"
    client_id = _pick(rng, string.digits, 21)
    return join(
        f'{{"type": "service_account", "project_id": "{project}", "private_key_id": "',
        secret("service_account", key_id),
        '", "private_key": "-----BEGIN PRIVATE KEY-----\\n',
        secret("service_account", body),
        f'\\n-----END PRIVATE KEY-----\\n", "client_email": "{account}", "client_id": "{client_id}", '
        '"auth_uri": "https://accounts.google.com/o/oauth2/auth", "token_uri": "https://oauth2.googleapis.com/token"}',
    )
