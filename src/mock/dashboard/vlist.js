// A virtualised list: only the rows in view (and a few around them) exist in the page, so
// tens of thousands of journal entries scroll as fast as ten.
//
// Rows have one fixed height; a spacer gives the scrollbar its full length, and a pool of
// row elements is moved and refilled as the view scrolls.

const OVERSCAN = 8;

export class VList {
  /**
   * @param root the scrolling element
   * @param options {rowHeight, render(item, row), key(item)}
   */
  constructor(root, { rowHeight, render, key }) {
    this.root = root;
    this.rowHeight = rowHeight;
    this.render = render;
    this.key = key;
    this.items = [];
    this.pool = [];
    this.pending = false;
    root.classList.add("vlist");
    this.spacer = document.createElement("div");
    this.spacer.className = "vlist-spacer";
    root.append(this.spacer);
    root.addEventListener("scroll", () => this.schedule(), { passive: true });
    new ResizeObserver(() => this.schedule()).observe(root);
  }

  /** Shows `items`; `added` items new at the top keep the rows in view where they were. */
  setItems(items, added = 0) {
    this.items = items;
    this.spacer.style.height = `${items.length * this.rowHeight}px`;
    if (added && this.root.scrollTop > 0) this.root.scrollTop += added * this.rowHeight;
    this.schedule();
  }

  /** Redraws every row in view (an item changed, or the selection). */
  refresh() {
    for (const row of this.pool) row._key = undefined;
    this.schedule();
  }

  /** Scrolls so that the item at `index` is in view. */
  reveal(index) {
    const top = index * this.rowHeight;
    const view = this.root.clientHeight;
    if (top < this.root.scrollTop) this.root.scrollTop = top;
    else if (top + this.rowHeight > this.root.scrollTop + view) this.root.scrollTop = top + this.rowHeight - view;
    this.schedule();
  }

  schedule() {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.draw();
    });
  }

  draw() {
    const height = this.rowHeight;
    const top = this.root.scrollTop;
    const first = Math.max(0, Math.floor(top / height) - OVERSCAN);
    const last = Math.min(this.items.length, Math.ceil((top + this.root.clientHeight) / height) + OVERSCAN);
    const needed = Math.max(0, last - first);
    while (this.pool.length < needed) {
      const row = document.createElement("div");
      row.className = "vlist-row";
      row.style.height = `${height}px`;
      this.root.append(row);
      this.pool.push(row);
    }
    for (let i = 0; i < this.pool.length; i++) {
      const row = this.pool[i];
      const index = first + i;
      if (index >= last) {
        if (!row.hidden) row.hidden = true;
        continue;
      }
      row.hidden = false;
      const item = this.items[index];
      row.style.transform = `translateY(${index * height}px)`;
      row.dataset.index = index;
      const key = this.key(item);
      if (row._key !== key) {
        row._key = key;
        this.render(item, row);
      }
    }
  }
}
