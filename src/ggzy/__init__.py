"""ggzy: unified public resource trading platform (统一的公共资源交易平台)."""

__version__ = "0.1.0"
