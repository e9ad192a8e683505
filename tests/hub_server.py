"""A fake Hugging Face Hub on 127.0.0.1, for tests that push and load repos without network.

It speaks the part of the Hub HTTP API that the installed `huggingface_hub` client calls for
`create_repo`, `delete_repo`, `create_commit` / `upload_file` / `upload_folder`, `repo_info` /
`model_info` / `dataset_info`, `list_repo_files` / `list_repo_tree`, `file_exists`, `repo_exists`,
`whoami`, `hf_hub_download` and `snapshot_download`:

    GET    /api/whoami-v2
    POST   /api/validate-yaml                              README.md front matter check
    POST   /api/repos/create, DELETE /api/repos/delete
    GET    /api/{type}s/{ns}/{name}[/revision/{rev}]       repo info (?blobs=true adds sizes, oids)
    GET    /api/{type}s/{ns}/{name}/tree/{rev}[/{path}]    file listing (?recursive=true)
    POST   /api/{type}s/{ns}/{name}/preupload/{rev}        always "regular": no LFS, no Xet
    POST   /api/{type}s/{ns}/{name}/commit/{rev}           NDJSON commit (?create_pr=1)
    HEAD   /[datasets/|spaces/]{ns}/{name}/resolve/{rev}/{path}, and GET (with Range)

Repos live in memory with a real history: every commit has a 40-hex sha and a full snapshot of
the files, `main` and `refs/pr/N` are refs to commits. A file's ETag (and its `oid` in listings)
is its git blob sha1, as the Hub reports for files that are not in LFS.

Auth: the server knows a set of tokens, `{token: user}`. An unknown token gets 401 on every
route; writes need a token and the repo's namespace must be the token's user (else 403); a
private repo is visible to its owner only (401 without a token, 404 with someone else's, both
with `X-Error-Code: RepoNotFound`, as the Hub does). There are no organisations.

The client reads `HF_ENDPOINT` and friends once, at import: `patch_hub_client` (or the context
manager `hub_client`) points the already-imported package at a given endpoint.
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import hashlib
import json
import re
import sys
import threading
import traceback
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Iterator, Optional
from urllib.parse import parse_qs, unquote, urlsplit

try:  # PyYAML is a dependency of huggingface_hub; without it every front matter is accepted.
    import yaml
except ImportError:  # pragma: no cover
    yaml = None

__all__ = ["Commit", "FakeHub", "Fault", "RepoStore", "hub_client", "patch_hub_client"]

URL_TYPES = {"models": "model", "datasets": "dataset", "spaces": "space"}
# Repo URLs on the website and in /resolve: models have no prefix.
URL_PREFIX = {"model": "", "dataset": "datasets/", "space": "spaces/"}

# What the Hub puts in a new repo's first commit (shortened: the Hub's list is longer).
GITATTRIBUTES = b"""*.bin filter=lfs diff=lfs merge=lfs -text
*.safetensors filter=lfs diff=lfs merge=lfs -text
*.parquet filter=lfs diff=lfs merge=lfs -text
*.zip filter=lfs diff=lfs merge=lfs -text
"""


def git_blob_oid(content: bytes) -> str:
    """The git sha1 of a blob: what the Hub sends as ETag, tree `oid`, `blobId` and preupload `oid`
    for regular (non-LFS) files. The client compares the preupload `oid` with the same hash of the
    local file (`CommitOperationAdd._local_oid`) to leave unchanged files out of a commit."""
    return hashlib.sha1(b"blob %d\0" % len(content) + content).hexdigest()


def hub_date(when: datetime) -> str:
    """The Hub's date format; huggingface_hub.utils.parse_datetime accepts only this one."""
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def front_matter(readme: str) -> Optional[dict]:
    """The YAML metadata block at the top of a README.md, or None. ValueError if it is not a mapping."""
    match = re.match(r"\A---[ \t]*\r?\n(.*?)^---[ \t]*$", readme, flags=re.DOTALL | re.MULTILINE)
    if match is None:
        return None
    if yaml is None:
        return {}
    try:
        data = yaml.safe_load(match.group(1))
    except yaml.YAMLError as e:
        raise ValueError(f"Invalid YAML in README.md metadata: {e}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ValueError(f"README.md metadata must be a YAML mapping, got {type(data).__name__}")
    return data


class HubError(Exception):
    """An error answer. `code` goes to `X-Error-Code`, which hf_raise_for_status maps to an
    exception class (RepoNotFound, RevisionNotFound, EntryNotFound); `message` goes to the JSON
    body's "error" and to `X-Error-Message`, which the client copies into the exception text."""

    def __init__(self, status: int, message: str, code: Optional[str] = None, headers: Optional[dict] = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.headers = headers or {}
        self.extra: dict = {}  # more JSON body fields, e.g. the "url" of a 409 on create


def repo_not_found(status: int = 404) -> HubError:
    return HubError(status, "Repository not found", "RepoNotFound")


# ------------------------------------------------------------------------------------------
# Storage


@dataclasses.dataclass
class Commit:
    sha: str
    parent: Optional[str]
    title: str
    description: str
    author: str
    date: datetime
    files: dict  # path -> bytes: the whole tree at this commit


@dataclasses.dataclass
class Repo:
    repo_type: str
    repo_id: str
    private: bool
    created_at: datetime
    commits: dict = dataclasses.field(default_factory=dict)  # sha -> Commit
    refs: dict = dataclasses.field(default_factory=dict)  # "main", "refs/pr/1" -> sha
    last_pr: int = 0

    @property
    def namespace(self) -> str:
        return self.repo_id.split("/")[0]


class RepoStore:
    """Every repo of the fake Hub, in memory. Thread-safe: the server answers requests in threads
    (snapshot_download fetches files in parallel). Knows nothing of users or HTTP."""

    def __init__(self) -> None:
        self._repos: dict = {}  # (repo_type, repo_id) -> Repo
        self._lock = threading.RLock()
        self._counter = 0

    def get(self, repo_type: str, repo_id: str) -> Optional[Repo]:
        with self._lock:
            return self._repos.get((repo_type, repo_id))

    def create(self, repo_type: str, repo_id: str, private: bool, author: str) -> tuple:
        """(repo, created). A new repo gets a first commit with .gitattributes, as on the Hub."""
        with self._lock:
            repo = self._repos.get((repo_type, repo_id))
            if repo is not None:
                return repo, False
            repo = Repo(repo_type, repo_id, private, datetime.now(timezone.utc))
            self._repos[(repo_type, repo_id)] = repo
            first = self._new_commit(repo, None, "initial commit", "", author, {".gitattributes": GITATTRIBUTES})
            repo.refs["main"] = first.sha
            return repo, True

    def create_branch(self, repo: Repo, branch: str, starting_point: str) -> bool:
        """Points a new branch at `starting_point`'s commit; False when the branch exists."""
        with self._lock:
            if branch in repo.refs:
                return False
            repo.refs[branch] = self.resolve(repo, starting_point)
            return True

    def delete(self, repo_type: str, repo_id: str) -> bool:
        with self._lock:
            return self._repos.pop((repo_type, repo_id), None) is not None

    def resolve(self, repo: Repo, revision: str) -> str:
        """Commit sha of a branch, a PR ref, a full sha or a unique sha prefix of 7+ characters."""
        with self._lock:
            if revision in repo.refs:
                return repo.refs[revision]
            if re.fullmatch(r"[0-9a-f]{7,40}", revision):
                found = [sha for sha in repo.commits if sha.startswith(revision)]
                if len(found) == 1:
                    return found[0]
            raise HubError(404, f"Invalid rev id: {revision}", "RevisionNotFound")

    def snapshot(self, repo: Repo, revision: str) -> Commit:
        with self._lock:
            return repo.commits[self.resolve(repo, revision)]

    def history(self, repo: Repo, revision: str) -> list:
        """Commits reachable from `revision`, newest first (the history is linear)."""
        with self._lock:
            out, sha = [], self.resolve(repo, revision)
            while sha is not None:
                out.append(repo.commits[sha])
                sha = repo.commits[sha].parent
            return out

    def commit(
        self,
        repo: Repo,
        revision: str,
        *,
        title: str,
        description: str,
        author: str,
        put: dict,
        delete_files: list,
        delete_folders: list,
        parent_commit: Optional[str] = None,
        create_pr: bool = False,
    ) -> tuple:
        """Apply a commit; (Commit, pr_number or None). With `create_pr` the commit goes on a new
        `refs/pr/N` branched from `revision`; otherwise `revision` must be a branch."""
        with self._lock:
            if create_pr:
                base = self.resolve(repo, revision)
            elif revision in repo.refs:
                base = repo.refs[revision]
            else:
                raise HubError(404, f"Invalid rev id: {revision} (commits go to a branch)", "RevisionNotFound")
            if parent_commit is not None and not base.startswith(parent_commit):
                raise HubError(412, f"A commit has happened since {parent_commit}: {revision} is now at {base}")
            files = dict(repo.commits[base].files)
            for path in delete_files:
                if path not in files:
                    raise HubError(404, f"A file with this name doesn't exist: {path}", "EntryNotFound")
                del files[path]
            for folder in delete_folders:
                prefix = folder.rstrip("/") + "/"
                inside = [path for path in files if path.startswith(prefix)]
                if not inside:
                    raise HubError(404, f"A folder with this name doesn't exist: {folder}", "EntryNotFound")
                for path in inside:
                    del files[path]
            files.update(put)
            new = self._new_commit(repo, base, title, description, author, files)
            if create_pr:
                repo.last_pr += 1
                repo.refs[f"refs/pr/{repo.last_pr}"] = new.sha
                return new, repo.last_pr
            repo.refs[revision] = new.sha
            return new, None

    def _new_commit(self, repo: Repo, parent, title, description, author, files: dict) -> Commit:
        self._counter += 1
        tree = sorted((path, git_blob_oid(content)) for path, content in files.items())
        seed = json.dumps([repo.repo_type, repo.repo_id, parent, title, description, tree, self._counter])
        commit = Commit(
            sha=hashlib.sha1(seed.encode()).hexdigest(),
            parent=parent,
            title=title,
            description=description,
            author=author,
            date=datetime.now(timezone.utc),
            files=files,
        )
        repo.commits[commit.sha] = commit
        return commit


# ------------------------------------------------------------------------------------------
# HTTP


class _Server(ThreadingHTTPServer):
    daemon_threads = True  # a keep-alive connection left open by the client must not block stop()
    block_on_close = False
    hub: "FakeHub"


class HubRequestHandler(BaseHTTPRequestHandler):
    """One request of the fake Hub: parse, authenticate, route, answer JSON or bytes."""

    # HTTP/1.1 so that the client's connection pool (httpx2) keeps connections alive; every
    # answer therefore carries a Content-Length, and every request body is read in full.
    protocol_version = "HTTP/1.1"
    timeout = 60  # an idle keep-alive connection's thread ends after this many seconds
    server: _Server

    # -- plumbing ---------------------------------------------------------------------------

    def do_GET(self) -> None:
        self._handle()

    def do_HEAD(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def do_PUT(self) -> None:
        self._handle()

    def do_DELETE(self) -> None:
        self._handle()

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep test output clean; FakeHub.requests records what was asked

    @property
    def hub(self) -> "FakeHub":
        return self.server.hub

    def _handle(self) -> None:
        url = urlsplit(self.path)
        self.query = {k: v[-1] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        # Split before unquoting: the client sends a revision like refs/pr/1 as refs%2Fpr%2F1.
        self.segments = [unquote(s) for s in url.path.split("/")[1:]]
        self.hub.requests.append((self.command, self.path))
        try:
            self.body = self._read_body()  # always drain it, or the next request on this connection breaks
            fault = self.hub._take_fault(self.command, url.path)
            if fault is not None and self._inject(fault):
                return
            self._route()
        except HubError as e:
            self._send_error(e)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up (a timeout, say): nobody to answer
        except Exception:
            # A bug of the fake (or an unforeseen request): a 500 with the traceback, also kept in
            # FakeHub.server_errors. (The client retries some calls on 5xx, with sleeps.)
            text = traceback.format_exc()
            self.hub.server_errors.append(text)
            self._send_json(500, {"error": f"FakeHub crashed:\n{text}"})

    def _inject(self, fault: "Fault") -> bool:
        """Acts out `fault`; True when the request is answered (or dropped) by it."""
        if fault.kind == "stall":
            import time

            time.sleep(fault.seconds)
            return False  # then answered as usual, too late for a client with a timeout
        if fault.kind == "drop":
            # Headers promising a body, half of one, and the connection closed under the client.
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "1000")
            self.end_headers()
            self.wfile.write(b'{"partial": ')
            self.wfile.flush()
            self.close_connection = True
            import socket

            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return True
        self._send_json(fault.status, {"error": f"injected {fault.status}"})
        return True

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _json_body(self) -> Any:
        try:
            return json.loads(self.body or b"null")
        except ValueError:
            raise HubError(400, "Request body is not valid JSON") from None

    def _send(self, status: int, body: bytes, content_type: str, headers: Optional[dict] = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Type", content_type)
        # For HEAD too: the length of the body a GET would get (hf_hub_download's expected size).
        self.send_header("Content-Length", str(len(body)))
        # The client sends a request id in X-Amzn-Trace-Id; echoed back, it ends up in
        # HfHubHTTPError.request_id and in the error message, as with the real Hub.
        request_id = self.headers.get("X-Amzn-Trace-Id")
        if request_id:
            self.send_header("X-Request-Id", request_id)
        self.end_headers()
        if self.command != "HEAD":  # a HEAD answer has the headers of the GET but no body
            self.wfile.write(body)

    def _send_json(self, status: int, data: Any, headers: Optional[dict] = None) -> None:
        self._send(status, json.dumps(data).encode(), "application/json; charset=utf-8", headers)

    def _send_error(self, e: HubError) -> None:
        headers = dict(e.headers)
        if e.code:
            headers["X-Error-Code"] = e.code
        headers["X-Error-Message"] = e.message.splitlines()[0] if e.message else ""
        self._send_json(e.status, {"error": e.message, **e.extra}, headers)

    # -- users and access ----------------------------------------------------------------------

    def _user(self) -> Optional[str]:
        """The token's user, None without a token; 401 for a token the Hub does not know."""
        header = self.headers.get("Authorization")
        if not header:
            return None
        scheme, _, token = header.partition(" ")
        user = self.hub.tokens.get(token.strip()) if scheme.lower() == "bearer" else None
        if user is None:
            # The client tests X-Error-Message for exactly this text to tell a bad token apart
            # from a missing repo (both are 401 on the real Hub).
            raise HubError(401, "Invalid credentials in Authorization header")
        return user

    def _writer(self, namespace: str, what: str) -> str:
        """The user allowed to write in `namespace`: 401 without a token, 403 for another user."""
        user = self._user()
        if user is None:
            raise HubError(401, f"You must be authenticated to {what} (no token was sent)")
        if user != namespace:
            raise HubError(403, f"You don't have the rights to {what} in the namespace '{namespace}'")
        return user

    def _readable(self, repo_type: str, repo_id: str) -> Repo:
        """A repo the caller may read. A missing or hidden repo is RepoNotFound: 401 for an
        anonymous caller, 404 for a signed-in one, like the Hub (the client raises
        RepositoryNotFoundError for both, from the X-Error-Code header)."""
        user = self._user()
        repo = self.hub.store.get(repo_type, repo_id)
        if repo is None or (repo.private and user != repo.namespace):
            raise repo_not_found(401 if user is None else 404)
        return repo

    def _writable(self, repo_type: str, repo_id: str, what: str) -> tuple:
        user = self._writer(repo_id.split("/")[0], what)
        return self._readable(repo_type, repo_id), user

    # -- routing ---------------------------------------------------------------------------------

    def _route(self) -> None:
        s, method = self.segments, self.command
        if s[:1] == ["api"]:
            if s == ["api", "whoami-v2"] and method == "GET":
                return self._whoami()
            if s == ["api", "validate-yaml"] and method == "POST":
                return self._validate_yaml()
            if s == ["api", "repos", "create"] and method == "POST":
                return self._create_repo()
            if s == ["api", "repos", "delete"] and method == "DELETE":
                return self._delete_repo()
            if len(s) >= 4 and s[1] in URL_TYPES:
                repo_type, repo_id, rest = URL_TYPES[s[1]], f"{s[2]}/{s[3]}", s[4:]
                action = rest[0] if rest else None
                if action is None and method == "GET":
                    return self._repo_info(repo_type, repo_id, "main")
                if action == "revision" and method == "GET":
                    revision, _ = split_revision(rest[1:])
                    return self._repo_info(repo_type, repo_id, revision)
                if action == "tree" and method == "GET":
                    revision, path = split_revision(rest[1:])
                    return self._tree(repo_type, repo_id, revision, "/".join(path))
                if action == "preupload" and method == "POST":
                    return self._preupload(repo_type, repo_id, split_revision(rest[1:])[0])
                if action == "commit" and method == "POST":
                    return self._commit(repo_type, repo_id, split_revision(rest[1:])[0])
                if action == "branch" and method == "POST" and len(rest) >= 2:
                    return self._create_branch(repo_type, repo_id, "/".join(rest[1:]))
        elif method in ("GET", "HEAD") and "resolve" in s:
            # /{ns}/{name}/resolve/... for models, /datasets/{ns}/{name}/resolve/... otherwise
            at = s.index("resolve")
            if at == 3 and s[0] in ("datasets", "spaces"):
                repo_type, repo_id = URL_TYPES[s[0]], f"{s[1]}/{s[2]}"
            elif at == 2:
                repo_type, repo_id = "model", f"{s[0]}/{s[1]}"
            else:
                raise repo_not_found()
            revision, path = split_revision(s[at + 1 :])
            return self._resolve(repo_type, repo_id, revision, "/".join(path))
        raise HubError(404, f"FakeHub does not implement {method} {urlsplit(self.path).path}")

    # -- endpoints -------------------------------------------------------------------------------

    def _create_branch(self, repo_type: str, repo_id: str, branch: str) -> None:
        # HfApi.create_branch: 409 when the branch exists (exist_ok=True swallows it).
        repo, _ = self._writable(repo_type, repo_id, "create a branch in")
        body = self._json_body() or {}
        if not self.hub.store.create_branch(repo, branch, body.get("startingPoint") or "main"):
            raise HubError(409, f"Reference already exists: refs/heads/{branch}")
        self._send_json(200, {})

    def _whoami(self) -> None:
        user = self._user()
        if user is None:
            raise HubError(401, "You must be authenticated to call whoami")
        self._send_json(
            200,
            {
                "type": "user",
                "id": hashlib.sha1(user.encode()).hexdigest()[:24],
                "name": user,
                "fullname": user,
                "email": None,
                "orgs": [],
                "auth": {"type": "access_token", "accessToken": {"displayName": "fakehub", "role": "write"}},
            },
        )

    def _validate_yaml(self) -> None:
        # Called by create_commit before any upload when the commit adds a README.md. A 400 with
        # "errors" makes the client raise ValueError("Invalid metadata in README.md. ...").
        self._user()
        content = (self._json_body() or {}).get("content") or ""
        try:
            front_matter(content)
        except ValueError as e:
            self._send_json(400, {"error": str(e), "errors": [{"message": str(e)}]})
            return
        self._send_json(200, {})

    def _create_repo(self) -> None:
        payload = self._json_body() or {}
        repo_type = payload.get("type") or "model"
        if repo_type not in URL_PREFIX:
            raise HubError(400, f"Invalid repo type: {repo_type}")
        name = payload.get("name") or ""
        user = self._user()
        namespace = payload.get("organization") or user
        if namespace is None:
            raise HubError(401, f"You must be authenticated to create a {repo_type} repo (no token was sent)")
        user = self._writer(namespace, f"create a {repo_type} repo")
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", name) or len(name) > 96:
            raise HubError(400, f"Invalid repo name: {name!r}")
        repo_id = f"{namespace}/{name}"
        private = payload.get("visibility") == "private" or payload.get("private") is True
        repo, created = self.hub.store.create(repo_type, repo_id, private, user)
        url = self.hub.repo_url(repo_type, repo_id)
        if not created:
            # create_repo(exist_ok=True) swallows a 409 but then reads "url" from its body.
            error = HubError(409, f"You already created this {repo_type} repo")
            error.extra = {"url": url}
            raise error
        self._send_json(200, {"url": url, "name": repo_id, "id": repo_id})

    def _delete_repo(self) -> None:
        payload = self._json_body() or {}
        repo_type = payload.get("type") or "model"
        namespace = payload.get("organization") or self._user()
        if namespace is None:
            raise HubError(401, "You must be authenticated to delete a repo (no token was sent)")
        repo_id = f"{namespace}/{payload.get('name')}"
        self._writable(repo_type, repo_id, f"delete a {repo_type} repo")
        self.hub.store.delete(repo_type, repo_id)
        self._send_json(200, {})

    def _repo_info(self, repo_type: str, repo_id: str, revision: str) -> None:
        repo = self._readable(repo_type, repo_id)
        commit = self.hub.store.snapshot(repo, revision)
        with_blobs = self.query.get("blobs", "").lower() in ("1", "true")  # repo_info(files_metadata=True)
        siblings = []
        for path in sorted(commit.files):
            sibling: dict = {"rfilename": path}
            if with_blobs:
                sibling.update(size=len(commit.files[path]), blobId=git_blob_oid(commit.files[path]))
            siblings.append(sibling)
        try:
            card = front_matter(commit.files.get("README.md", b"").decode("utf-8", "replace")) or {}
        except ValueError:
            card = {}
        tags = card.get("tags") if isinstance(card.get("tags"), list) else []
        tags = [t for t in tags if isinstance(t, str)]
        info: dict = {
            "_id": hashlib.sha1(f"{repo_type}/{repo_id}".encode()).hexdigest()[:24],
            "id": repo_id,
            "author": repo.namespace,
            "sha": commit.sha,  # snapshot_download pins its downloads to this commit
            "lastModified": hub_date(commit.date),
            "createdAt": hub_date(repo.created_at),
            "private": repo.private,
            "gated": False,
            "disabled": False,
            "downloads": 0,
            "likes": 0,
            "tags": tags,
            "cardData": card or None,
            "siblings": siblings,
            "usedStorage": sum(len(c) for c in commit.files.values()),
        }
        if repo_type == "model":
            info["modelId"] = repo_id
            info["library_name"] = card.get("library_name")
            info["pipeline_tag"] = card.get("pipeline_tag")
            if info["library_name"] and info["library_name"] not in tags:
                tags.append(info["library_name"])
        elif repo_type == "space":
            info["sdk"] = card.get("sdk")
        self._send_json(200, info)

    def _tree(self, repo_type: str, repo_id: str, revision: str, path: str) -> None:
        """Files and folders under `path`; direct children only unless ?recursive=true. One page:
        no Link header, so the client's pagination stops here."""
        repo = self._readable(repo_type, repo_id)
        commit = self.hub.store.snapshot(repo, revision)
        recursive = self.query.get("recursive", "").lower() in ("1", "true")
        prefix = path.strip("/") + "/" if path.strip("/") else ""
        files: dict = {}
        folders: dict = {}  # folder -> list of (path, oid) inside, for a stable tree oid
        for file_path, content in commit.files.items():
            if not file_path.startswith(prefix):
                continue
            parts = file_path[len(prefix) :].split("/")
            for depth in range(1, len(parts)):
                folder = prefix + "/".join(parts[:depth])
                folders.setdefault(folder, []).append((file_path, git_blob_oid(content)))
                if not recursive:
                    break
            if recursive or len(parts) == 1:
                files[file_path] = content
        if prefix and not files and not folders:
            raise HubError(404, f"Entry not found: {path}", "EntryNotFound", {"X-Repo-Commit": commit.sha})
        entries = [
            {
                "type": "directory",
                "oid": hashlib.sha1(json.dumps(sorted(inside)).encode()).hexdigest(),
                "size": 0,
                "path": folder,
            }
            for folder, inside in sorted(folders.items())
        ]
        entries += [
            {"type": "file", "oid": git_blob_oid(content), "size": len(content), "path": file_path}
            for file_path, content in sorted(files.items())
        ]
        self._send_json(200, entries)

    def _preupload(self, repo_type: str, repo_id: str, revision: str) -> None:
        """Tell the client to send every file inline (base64) in the commit: "regular" mode, so it
        never asks for LFS batch or Xet upload URLs. `oid` is the blob sha1 of the file already at
        `revision`, if any: equal to the local one, the client leaves the file out of the commit."""
        repo, _ = self._writable(repo_type, repo_id, "upload files")
        commit = self.hub.store.snapshot(repo, revision)
        payload = self._json_body() or {}
        if not isinstance(payload.get("files"), list):
            raise HubError(400, "Expected a JSON body with a 'files' list")
        answer = []
        for file in payload["files"]:
            existing = commit.files.get(file.get("path"))
            answer.append(
                {
                    "path": file.get("path"),
                    "uploadMode": "regular",
                    "shouldIgnore": False,  # no .gitignore support
                    "oid": git_blob_oid(existing) if existing is not None else None,
                }
            )
        self._send_json(200, {"files": answer, "commitOid": commit.sha})

    def _commit(self, repo_type: str, repo_id: str, revision: str) -> None:
        """The NDJSON commit: a "header" line (summary, description, parentCommit), then "file"
        (base64 content), "deletedFile" and "deletedFolder" lines. "lfsFile" is refused: this Hub
        answered "regular" to every preupload, so the client only sends one for a copy of an LFS file."""
        repo, user = self._writable(repo_type, repo_id, "commit")
        header: Optional[dict] = None
        put: dict = {}
        delete_files: list = []
        delete_folders: list = []
        for number, line in enumerate(self.body.splitlines(), 1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
                key, value = item["key"], item["value"]
            except (ValueError, KeyError, TypeError):
                raise HubError(400, f"Line {number} of the commit is not a {{key, value}} JSON object") from None
            if key == "header":
                header = value
            elif key == "file":
                encoding = value.get("encoding", "utf-8")
                if encoding == "base64":
                    put[value["path"]] = base64.b64decode(value["content"])
                else:
                    put[value["path"]] = value["content"].encode("utf-8")
            elif key == "deletedFile":
                delete_files.append(value["path"])
            elif key == "deletedFolder":
                delete_folders.append(value["path"])
            elif key == "lfsFile":
                raise HubError(400, f"FakeHub stores no LFS files ({value.get('path')})")
            else:
                raise HubError(400, f"Unknown commit operation {key!r}")
        if not header or not header.get("summary"):
            raise HubError(400, "The commit has no header line with a summary")
        create_pr = self.query.get("create_pr") in ("1", "true", "True")
        commit, pr_num = self.hub.store.commit(
            repo,
            revision,
            title=header["summary"],
            description=header.get("description") or "",
            author=user,
            put=put,
            delete_files=delete_files,
            delete_folders=delete_folders,
            parent_commit=header.get("parentCommit"),
            create_pr=create_pr,
        )
        url = self.hub.repo_url(repo_type, repo_id)
        answer = {"success": True, "commitOid": commit.sha, "commitUrl": f"{url}/commit/{commit.sha}", "hookOutput": ""}
        if pr_num is not None:
            # CommitInfo reads the PR number and its revision refs/pr/N from this URL.
            answer["pullRequestUrl"] = f"{url}/discussions/{pr_num}"
        self._send_json(200, answer)

    def _resolve(self, repo_type: str, repo_id: str, revision: str, path: str) -> None:
        """A file's bytes. hf_hub_download first sends a HEAD and needs X-Repo-Commit (the cache's
        snapshot folder), ETag (the blob's name in the cache) and Content-Length (the expected
        size); then a GET for the bytes, with a Range header when it resumes. Files are served
        here directly: no redirect, and no X-Xet-* header so the client never turns to Xet."""
        repo = self._readable(repo_type, repo_id)
        commit = self.hub.store.snapshot(repo, revision)
        content = commit.files.get(path)
        if content is None:
            # With X-Repo-Commit the client records the miss in the cache's .no_exist folder.
            raise HubError(404, "Entry not found", "EntryNotFound", {"X-Repo-Commit": commit.sha})
        headers = {
            "ETag": f'"{git_blob_oid(content)}"',
            "X-Repo-Commit": commit.sha,
            "Accept-Ranges": "bytes",
            "Content-Disposition": f'inline; filename="{path.rsplit("/", 1)[-1]}";',
        }
        status, body = 200, content
        wanted = self.headers.get("Range")
        if wanted:
            span = parse_range(wanted, len(content))
            if span is None:
                headers["Content-Range"] = f"bytes */{len(content)}"
                raise HubError(416, f"Range not satisfiable: {wanted}", headers=headers)
            start, end = span
            status, body = 206, content[start : end + 1]
            headers["Content-Range"] = f"bytes {start}-{end}/{len(content)}"
        self._send(status, body, "application/octet-stream", headers)


def split_revision(rest: list) -> tuple:
    """(revision, remaining segments). The client quotes revisions (refs%2Fpr%2F1 is one segment);
    an unquoted refs/pr/N or refs/convert/X spans three segments and is accepted as well."""
    if not rest:
        raise HubError(404, "No revision in the URL", "RevisionNotFound")
    if rest[0] == "refs" and len(rest) >= 3:
        return "/".join(rest[:3]), rest[3:]
    return rest[0], rest[1:]


def parse_range(header: str, size: int) -> Optional[tuple]:
    """(first, last) byte of a single `bytes=a-b`, `bytes=a-` or `bytes=-n` range; None if unsatisfiable."""
    match = re.fullmatch(r"\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*", header)
    if match is None or match.groups() == ("", ""):
        return None
    first, last = match.groups()
    if first == "":
        start, end = max(size - int(last), 0), size - 1
    else:
        start, end = int(first), min(int(last), size - 1) if last else size - 1
    return (start, end) if start <= end and start < size else None


# ------------------------------------------------------------------------------------------
# The server


@dataclasses.dataclass
class Fault:
    """What the fake does instead of answering a matching request: an HTTP `status` (500, 503,
    ...), "drop" (headers and half a body, then the connection closed) or "stall" (`seconds` of
    silence before the real answer), for the next `times` requests whose method is `method` and
    whose path matches the regex `path`."""

    method: str
    path: str
    kind: str = "status"
    status: int = 503
    times: int = 1
    seconds: float = 0.0


class FakeHub:
    """A fake Hugging Face Hub on 127.0.0.1, port chosen by the OS.

        with FakeHub({"hf_alice_token": "alice"}) as hub:
            ...  # point the client at hub.endpoint (patch_hub_client), push, load, inspect

    `tokens` maps each valid token to its user. `requests` lists every (method, path) received,
    `server_errors` the tracebacks of requests the fake failed on (a test can assert it is empty).
    """

    def __init__(self, tokens: Optional[dict] = None, host: str = "127.0.0.1") -> None:
        self.tokens: dict = dict(tokens or {})
        self.store = RepoStore()
        self.requests: list = []
        self.server_errors: list = []
        self.faults: list = []
        self._faults_lock = threading.Lock()
        self._host = host
        self._server: Optional[_Server] = None
        self._thread: Optional[threading.Thread] = None

    def start(self) -> "FakeHub":
        if self._server is None:
            self._server = _Server((self._host, 0), HubRequestHandler)
            self._server.hub = self
            self._thread = threading.Thread(
                target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="FakeHub", daemon=True
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            assert self._thread is not None
            self._thread.join(timeout=5)
            self._server = self._thread = None

    def __enter__(self) -> "FakeHub":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    @property
    def endpoint(self) -> str:
        if self._server is None:
            raise RuntimeError("FakeHub is not running: call start() first")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def inject(self, method: str, path: str, kind: str = "status", *, status: int = 503, times: int = 1,
               seconds: float = 0.0) -> Fault:
        """Makes the next `times` `method` requests whose path matches the regex `path` fail as
        `kind` says (see Fault); returns the Fault, whose `times` counts down as it strikes."""
        fault = Fault(method, path, kind, status, times, seconds)
        with self._faults_lock:
            self.faults.append(fault)
        return fault

    def _take_fault(self, method: str, path: str) -> Optional[Fault]:
        with self._faults_lock:
            for fault in self.faults:
                if fault.times > 0 and fault.method == method and re.search(fault.path, path):
                    fault.times -= 1
                    return fault
        return None

    def repo_url(self, repo_type: str, repo_id: str) -> str:
        return f"{self.endpoint}/{URL_PREFIX[repo_type]}{repo_id}"

    # -- for tests: inspect and seed the state directly, without HTTP ----------------------------

    def _repo(self, repo_id: str, repo_type: str) -> Repo:
        repo = self.store.get(repo_type, repo_id)
        if repo is None:
            raise KeyError(f"no {repo_type} repo {repo_id!r} on the FakeHub")
        return repo

    def files(self, repo_id: str, revision: str = "main", repo_type: str = "model") -> dict:
        """{path: bytes} of the repo at `revision` (branch, refs/pr/N or commit sha)."""
        repo = self._repo(repo_id, repo_type)
        return dict(self.store.snapshot(repo, revision).files)

    def commits(self, repo_id: str, repo_type: str = "model", revision: str = "main") -> list:
        """The `Commit`s reachable from `revision`, newest first (.sha, .title, .description,
        .author, .parent, .date, .files); the last one is the repo's "initial commit"."""
        return self.store.history(self._repo(repo_id, repo_type), revision)

    def refs(self, repo_id: str, repo_type: str = "model") -> dict:
        """{"main": sha, "refs/pr/1": sha, ...}"""
        repo = self._repo(repo_id, repo_type)
        with self.store._lock:
            return dict(repo.refs)

    def is_private(self, repo_id: str, repo_type: str = "model") -> bool:
        return self._repo(repo_id, repo_type).private

    def seed(
        self,
        repo_id: str,
        files: dict,
        repo_type: str = "model",
        private: bool = False,
        message: str = "Seed files",
    ) -> str:
        """Create the repo if needed and commit `files` ({path: bytes or str}) to main; the commit sha."""
        repo, _ = self.store.create(repo_type, repo_id, private, repo_id.split("/")[0])
        put = {p: c.encode("utf-8") if isinstance(c, str) else bytes(c) for p, c in files.items()}
        commit, _ = self.store.commit(
            repo,
            "main",
            title=message,
            description="",
            author=repo.namespace,
            put=put,
            delete_files=[],
            delete_folders=[],
        )
        return commit.sha


# ------------------------------------------------------------------------------------------
# Pointing the installed client at an endpoint


def patch_hub_client(monkeypatch: Any, endpoint: str, cache_dir: Any) -> None:
    """Make the already-imported huggingface_hub talk to `endpoint` and cache in `cache_dir`,
    online and without Xet, until `monkeypatch` is undone. The token is left alone (HF_TOKEN).

    huggingface_hub reads its environment once, at import, into module globals; setting the
    environment variables alone would change nothing. What captured the endpoint at import:
    constants.ENDPOINT, constants.HUGGINGFACE_CO_URL_TEMPLATE (hf_hub_url builds /resolve URLs
    from it), constants.HF_URL_HOSTS (URL parsing), utils._http._HUB_ORIGINS (the hosts that
    redirects may go to with the token), and hf_api.api, the HfApi behind the module-level
    functions (huggingface_hub.create_repo, upload_folder, ...). Offline mode is
    constants.HF_HUB_OFFLINE (which the request hook checks), Xet constants.HF_HUB_DISABLE_XET.
    Call huggingface_hub.utils.close_session() afterwards to drop pooled connections.
    """
    from huggingface_hub import constants, hf_api
    from huggingface_hub.utils import _http

    endpoint = endpoint.rstrip("/")
    cache_dir = str(cache_dir)
    host = urlsplit(endpoint).hostname or ""
    home = Path(cache_dir).parent / "hf-home"

    for name, value in {
        "HF_ENDPOINT": endpoint,
        "HF_HUB_OFFLINE": "0",
        "HF_HUB_DISABLE_XET": "1",
        "HF_HUB_CACHE": cache_dir,
        "HF_HUB_DISABLE_TELEMETRY": "1",
        "HF_TOKEN_PATH": str(home / "token"),
    }.items():
        monkeypatch.setenv(name, value)
    for name in ("TRANSFORMERS_OFFLINE", "HUGGING_FACE_HUB_TOKEN", "HF_OIDC_RESOURCE", "HUGGINGFACE_CO_STAGING"):
        monkeypatch.delenv(name, raising=False)

    for name, value in {
        "ENDPOINT": endpoint,
        "HUGGINGFACE_CO_URL_TEMPLATE": endpoint + "/{repo_id}/resolve/{revision}/{filename}",
        "HF_URL_HOSTS": constants.HF_URL_HOSTS | {host},
        "HF_HUB_OFFLINE": False,
        "HF_HUB_DISABLE_XET": True,
        "HF_HUB_CACHE": cache_dir,
        "HUGGINGFACE_HUB_CACHE": cache_dir,
        "HF_HUB_DISABLE_TELEMETRY": True,  # no POST {ENDPOINT}/api/telemetry/...
        "HF_HUB_DISABLE_IMPLICIT_TOKEN": False,  # the token from HF_TOKEN is sent
        # A token saved by `hf auth login` on this machine must not be used.
        "HF_TOKEN_PATH": str(home / "token"),
        "HF_STORED_TOKENS_PATH": str(home / "stored_tokens"),
    }.items():
        monkeypatch.setattr(constants, name, value)
    monkeypatch.setattr(_http, "_HUB_ORIGINS", _http._HUB_ORIGINS | {_http._url_origin(endpoint)})
    monkeypatch.setattr(hf_api.api, "endpoint", endpoint)
    # `from ..constants import ENDPOINT` copies, in modules that may or may not be loaded.
    for module_name in ("huggingface_hub.utils._git_credential", "huggingface_hub.cli.auth"):
        module = sys.modules.get(module_name)
        if module is not None and hasattr(module, "ENDPOINT"):
            monkeypatch.setattr(module, "ENDPOINT", endpoint)
    _http.close_session()  # no connection pooled for another server is reused


@contextlib.contextmanager
def hub_client(endpoint: str, cache_dir: Any, token: Optional[str] = None) -> Iterator[None]:
    """`patch_hub_client` outside pytest fixtures: patched inside the block, restored after."""
    import pytest
    from huggingface_hub.utils import close_session

    with pytest.MonkeyPatch.context() as monkeypatch:
        patch_hub_client(monkeypatch, endpoint, cache_dir)
        if token is not None:
            monkeypatch.setenv("HF_TOKEN", token)
        try:
            yield
        finally:
            close_session()


if __name__ == "__main__":  # a manual smoke run: python tests/hub_server.py
    with FakeHub({"hf_alice_token": "alice"}) as hub:
        print(f"FakeHub on {hub.endpoint}: HF_ENDPOINT={hub.endpoint} HF_TOKEN=hf_alice_token HF_HUB_DISABLE_XET=1")
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass
