from django.apps import AppConfig


class ShopConfig(AppConfig):
    """The project itself: site-wide views, template tags, checks, the demo data command."""

    name = "shop"
    verbose_name = "Jingmeng Market"

    def ready(self):
        # (registers the deployment checks; texts order notices to buyers with no email)
        from . import checks, order_texts  # noqa: F401

        self.connect_page_cache()
        self.connect_nav_roles()
        self.connect_cache_recovery()

    def connect_page_cache(self):
        """Edits that change what anonymous pages show empty the page cache (shop/pagecache)."""
        from django.apps import apps
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from .pagecache import bump

        models = [
            ("catalogue", "Product"),
            ("catalogue", "Category"),
            ("catalogue", "ProductCategory"),
            ("catalogue", "ProductImage"),
            ("offer", "ConditionalOffer"),
            ("offer", "Range"),
            ("cooperatives", "Cooperative"),
            ("livestream", "LiveSession"),
            ("livestream", "SessionProduct"),
            ("livestream", "Pin"),
        ]
        for app_label, name in models:
            model = apps.get_model(app_label, name)
            uid = f"pagecache.{app_label}.{name}"
            post_save.connect(bump, sender=model, dispatch_uid=uid + ".save")
            post_delete.connect(bump, sender=model, dispatch_uid=uid + ".delete")
        m2m_changed.connect(bump, dispatch_uid="pagecache.m2m")

    def connect_nav_roles(self):
        """Role changes move the header's cached role links on (shop/roles)."""
        from django.apps import apps
        from django.conf import settings
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from .roles import bump

        for app_label, name in [
            ("impact", "OfficialScope"),
            ("livestream", "Host"),
            ("auth", "Group"),
            ("auth", "Permission"),
        ]:
            model = apps.get_model(app_label, name)
            uid = f"navroles.{app_label}.{name}"
            post_save.connect(bump, sender=model, dispatch_uid=uid + ".save")
            post_delete.connect(bump, sender=model, dispatch_uid=uid + ".delete")
        User = apps.get_model(settings.AUTH_USER_MODEL)
        Group = apps.get_model("auth", "Group")
        for through in (User.groups.through, User.user_permissions.through):
            m2m_changed.connect(bump, sender=through, dispatch_uid=f"navroles.{through.__name__}")
        m2m_changed.connect(
            bump, sender=Group.permissions.through, dispatch_uid="navroles.group_permissions"
        )

    def connect_cache_recovery(self):
        """When Redis answers again after an outage (shop/cache), nothing cached before it is
        served: the page cache's and the role links' versions move on."""
        from . import pagecache, roles
        from .cache import cache_recovered

        cache_recovered.connect(pagecache.bump, dispatch_uid="pagecache.cache_recovered")
        cache_recovered.connect(roles.bump, dispatch_uid="navroles.cache_recovered")
