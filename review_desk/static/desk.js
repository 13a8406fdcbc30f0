// The review desk works without JavaScript; this only adds conveniences (served from the package, no CDN).
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  // "Select all" on a group's records.
  for (const box of document.querySelectorAll("input.select-all")) {
    box.addEventListener("change", () => {
      const table = box.closest("table");
      for (const item of table.querySelectorAll("tbody input[type=checkbox][name=ids]")) item.checked = box.checked;
    });
  }
  // Undo asks once more: it is a decision of its own.
  for (const form of document.querySelectorAll("form#undo")) {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.querySelector("button").textContent + "?")) event.preventDefault();
    });
  }
});
