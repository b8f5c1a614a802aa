// The automation editor: one <dialog> whose content htmx loads (robot and trigger forms, a
// webhook's token); robots dragged within their column (SortableJS, the order posted to the
// column's data-reorder-url); in the robot form, the timing fields that apply and the
// condition builder (rows joined by AND in a group, groups by OR); in the trigger form, the
// settings of the chosen event.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const dialog = document.getElementById("automation-dialog");
  if (!dialog) return;
  const body = document.getElementById("automation-dialog-body");
  const NO_VALUE = ["empty", "not_empty"];
  const DELAYED = ["after_delay", "before_date", "after_date"];
  const DATED = ["at_date", "before_date", "after_date"];

  // the dialog opens when content arrives, closes when the server says it is saved
  document.body.addEventListener("htmx:afterSwap", (event) => {
    if (event.detail.target !== body) return;
    if (body.children.length && !dialog.open) dialog.showModal();
    if (!body.children.length && dialog.open) dialog.close();
  });
  document.body.addEventListener("automationDialogClose", () => dialog.close());

  // `root` itself and what it holds that matches `selector`
  const within = (root, selector) => [...(root.matches?.(selector) ? [root] : []), ...(root.querySelectorAll?.(selector) || [])];

  // reordering robots
  const sortable = (root) => {
    within(root, ".automation-robots").forEach((list) => {
      if (list.dataset.sortable) return;
      list.dataset.sortable = "1";
      new Sortable(list, {
        handle: ".drag-handle",
        draggable: "[data-robot]",
        animation: 150,
        onEnd: async (event) => {
          if (event.oldIndex === event.newIndex) return;
          const ids = [...list.querySelectorAll("[data-robot]")].map((item) => ["robot", item.dataset.robot]);
          const result = await crm.post(list.dataset.reorderUrl, ids);
          if (!result.ok) {
            event.item.remove(); // back to where it was
            list.insertBefore(event.item, list.children[event.oldIndex] || null);
            crm.toast(result.body.error || `${result.status}`);
          }
        },
      });
    });
  };

  // the robot form: the timing fields that apply
  const showTiming = (form) => {
    const timing = form.querySelector("[data-timing] select[name=timing]");
    if (!timing) return;
    form.querySelector("[data-timing-delay]").hidden = !DELAYED.includes(timing.value);
    form.querySelector("[data-timing-date]").hidden = !DATED.includes(timing.value);
  };

  // the condition builder
  const showValueInput = (row) => {
    const field = row.querySelector("[data-condition-field]").value;
    const value = row.querySelector("[data-condition-value]");
    const choices = document.getElementById(`condition-values-${field}`);
    if (choices) value.setAttribute("list", choices.id); else value.removeAttribute("list");
    value.hidden = NO_VALUE.includes(row.querySelector("[data-condition-op]").value);
  };
  const showNoCondition = (builder) => {
    builder.querySelector(".condition-none").hidden = !!builder.querySelector(".condition-row");
  };
  const addRow = (group) => {
    const builder = group.closest("[data-condition-builder]");
    const row = builder.querySelector("[data-condition-row-template]").content.firstElementChild.cloneNode(true);
    row.querySelector("input[name=condition_group]").value = group.dataset.group;
    group.querySelector(".condition-rows").appendChild(row);
    showValueInput(row);
    showNoCondition(builder);
    row.querySelector("[data-condition-field]").focus();
  };
  const addGroup = (builder) => {
    const numbers = [...builder.querySelectorAll(".condition-group")].map((group) => Number(group.dataset.group));
    const group = builder.querySelector("[data-condition-group-template]").content.firstElementChild.cloneNode(true);
    group.dataset.group = String(numbers.length ? Math.max(...numbers) + 1 : 0);
    builder.querySelector(".condition-groups").appendChild(group);
    addRow(group);
  };

  // the trigger form: the chosen event's settings
  const showKindSettings = (form) => {
    const kind = form.querySelector("select[name=kind]");
    if (!kind) return;
    form.querySelectorAll("[data-kind-settings]").forEach((fieldset) => {
      fieldset.hidden = fieldset.dataset.kindSettings !== kind.value;
    });
  };

  const prepare = (root) => {
    sortable(root);
    within(root, ".automation-form").forEach((form) => {
      showTiming(form);
      showKindSettings(form);
      form.querySelectorAll(".condition-row").forEach(showValueInput);
    });
  };

  document.addEventListener("click", (event) => {
    const target = event.target;
    if (target.closest("[data-dialog-close]") && dialog.contains(target)) {
      dialog.close();
    } else if (target.closest("[data-condition-add-group]")) {
      addGroup(target.closest("[data-condition-builder]"));
    } else if (target.closest("[data-condition-add-row]")) {
      addRow(target.closest(".condition-group"));
    } else if (target.closest("[data-condition-remove]")) {
      const builder = target.closest("[data-condition-builder]");
      const group = target.closest(".condition-group");
      target.closest(".condition-row").remove();
      if (!group.querySelector(".condition-row")) group.remove();
      showNoCondition(builder);
    } else if (target.closest("[data-copy-from]")) {
      const input = target.closest("[data-copy-from]").previousElementSibling;
      input.select();
      (navigator.clipboard ? navigator.clipboard.writeText(input.value) : Promise.reject())
        .catch(() => document.execCommand("copy"));
    }
  });
  document.addEventListener("change", (event) => {
    const form = event.target.closest(".automation-form");
    if (!form) return;
    if (event.target.name === "timing") showTiming(form);
    if (event.target.name === "kind") showKindSettings(form);
    const row = event.target.closest(".condition-row");
    if (row) showValueInput(row);
  });

  prepare(document);
  document.body.addEventListener("htmx:load", (event) => prepare(event.detail.elt));
});
