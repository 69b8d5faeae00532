// The main menu folds behind a "Menu" button on phones. Without JavaScript the menu simply stays open.
(function () {
  "use strict";
  var button = document.querySelector(".menu-toggle");
  var nav = document.getElementById("main-nav");
  if (!button || !nav) return;
  document.documentElement.classList.add("js-menu");
  button.addEventListener("click", function () {
    var open = button.getAttribute("aria-expanded") !== "true";
    button.setAttribute("aria-expanded", String(open));
    nav.classList.toggle("open", open);
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && nav.classList.contains("open")) {
      button.setAttribute("aria-expanded", "false");
      nav.classList.remove("open");
      button.focus();
    }
  });
})();
