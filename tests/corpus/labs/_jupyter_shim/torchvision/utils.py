"""The jail's offline stand-in (utils), reused: one copy of torchvision's behaviour."""

from examkit.labs.jail.inside.offline.torchvision.utils import *  # noqa: F403
