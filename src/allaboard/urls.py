import importlib.util

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.urls import include, path

from allaboard.api import api
from allaboard.core import views as core_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("login/", auth_views.LoginView.as_view(template_name="core/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("me/", core_views.profile, name="profile"),
    path("api/v1/", api.urls),
]

# Each capability app with a urls.py is mounted at /<app>/ under its own namespace.
for _app in settings.CAPABILITY_APPS:
    if importlib.util.find_spec(f"{_app}.urls") is not None:
        _label = _app.rsplit(".", 1)[1]
        urlpatterns.append(path(f"{_label}/", include((f"{_app}.urls", _label), namespace=_label)))

handler403 = "allaboard.core.views.forbidden"
handler404 = "allaboard.core.views.not_found"
