from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "allaboard.customers"
    label = "customers"
    verbose_name = "Customer voice"
    home_panels: list = []
    navigation: list = []

    def ready(self):
        from allaboard.org.models import Role

        from . import panels

        leaders = {Role.ADMIN, Role.CHANGE_LEAD, Role.SPONSOR, Role.TEAM_LEADER}
        self.home_panels = [panels.customers_panel, panels.my_feedback_panel]
        self.navigation = [
            ("Customers", "customers:overview", leaders),
            ("My customer feedback", "customers:mine", {Role.EMPLOYEE}),
        ]
