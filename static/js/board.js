// The kanban: cards drag between columns (SortableJS). A drop asks the server to move the deal;
// a refused move puts the card back where it was and shows the reason.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const board = document.querySelector(".board");
  if (!board) return;
  const moveUrl = (id) => board.dataset.moveUrlTemplate.replace("/0/", `/${id}/`);

  const updateTotals = (columns) => {
    board.querySelectorAll(".column").forEach((column) => {
      const totals = columns[column.dataset.stage] || { count: 0, total: "0" };
      column.querySelector(".column-count").textContent = totals.count;
      column.querySelector(".column-sum").textContent = totals.total;
    });
  };

  board.querySelectorAll(".cards").forEach((list) => {
    new Sortable(list, {
      group: "deals",
      draggable: ".card",
      animation: 150,
      sort: false,
      onEnd: async (event) => {
        if (event.from === event.to) return;
        const card = event.item;
        card.classList.add("saving");
        const result = await crm.post(moveUrl(card.dataset.deal), {
          stage: event.to.dataset.stage,
          board_query: board.dataset.boardQuery,
        });
        card.classList.remove("saving");
        if (result.ok) {
          updateTotals(result.body.columns);
          return;
        }
        // snap back to the old place
        const anchor = event.from.children[event.oldIndex] || null;
        event.from.insertBefore(card, anchor);
        crm.toast(result.body.error || `${result.status}`);
      },
    });
  });
});
