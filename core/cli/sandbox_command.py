"""`assistant sandbox build [--if-stale] [--quiet]`: build the Docker sandbox image."""

import argparse
import sys
from collections import deque

from core.cli.common import add_common_options, config_from_args
from core.errors import SandboxUnavailableError
from core.sandbox import docker_image
from core.sandbox.docker import connect
from core.textsafe import visible_controls


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=["build"],
                        help="build: build the image programs run in, from Dockerfile.sandbox")
    parser.add_argument("--if-stale", action="store_true",
                        help="do nothing when the image was built from the current Dockerfile.sandbox "
                             "and the files it copies")
    parser.add_argument("--quiet", action="store_true",
                        help="print only one line when a build starts, and errors (the end of the "
                             "build log on failure)")
    parser.add_argument("--image", help="image name and tag (config: docker.image)")
    add_common_options(parser)


def run(args: argparse.Namespace) -> int:
    config = config_from_args(args)
    image = args.image or config.docker.image
    entries = docker_image.context_entries()
    client = connect(timeout=600)
    try:
        if args.if_stale and docker_image.is_up_to_date(client, image, entries):
            if not args.quiet:
                print(f"{image} is up to date")
            return 0
        recent: deque[str] = deque(maxlen=40)

        def show(line: str) -> None:
            recent.append(line)
            if not args.quiet:
                print(visible_controls(line), flush=True)

        print(f"building {image} from {docker_image.DOCKERFILE} (the first build takes minutes)",
              file=sys.stderr if args.quiet else sys.stdout, flush=True)
        try:
            docker_image.build_image(client, image, entries, show)
        except SandboxUnavailableError:
            if args.quiet:
                print("\n".join(visible_controls(line) for line in recent), file=sys.stderr)
            raise
        if not args.quiet:
            print(f"built {image}")
        return 0
    finally:
        client.close()
