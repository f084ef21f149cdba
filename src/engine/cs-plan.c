/* cs-plan.c: the memory plan.
 *
 * Every tensor computed on the device gets an offset in one arena. A tensor's
 * memory is handed back once its last reader has run, so a deep network needs
 * only about as much memory as its widest few layers. Views (Reshape,
 * Flatten, Squeeze, Unsqueeze, Identity) share their input's memory.
 */
#include "cs-config.h"

#include "cs-graph.h"

typedef struct {
  guint64 offset;
  guint64 size;
} Block;

static int
alias_root (CsGraph *g, int id)
{
  while (cs_graph_tensor (g, id)->alias >= 0)
    id = cs_graph_tensor (g, id)->alias;
  return id;
}

gboolean
cs_node_is_view (CsGraph *g, const CsNode *n)
{
  if (n->dead || n->n_inputs < 1 || n->inputs[0] < 0)
    return FALSE;
  switch (n->op)
    {
    case CS_OP_RESHAPE: case CS_OP_FLATTEN: case CS_OP_SQUEEZE: case CS_OP_UNSQUEEZE:
    case CS_OP_IDENTITY: case CS_OP_CAST:
      return cs_graph_tensor (g, n->inputs[0])->data == NULL;
    default:
      return FALSE;
    }
}

static guint64
align_up (guint64 v, guint64 a)
{
  return (v + a - 1) / a * a;
}

/* First fit over a sorted free list; grows the arena when nothing fits. */
static guint64
alloc_block (GArray *free_list, guint64 *arena, guint64 size)
{
  for (guint i = 0; i < free_list->len; i++)
    {
      Block *b = &g_array_index (free_list, Block, i);
      if (b->size >= size)
        {
          guint64 off = b->offset;
          b->offset += size;
          b->size -= size;
          if (b->size == 0)
            g_array_remove_index (free_list, i);
          return off;
        }
    }
  /* Extend a free block that ends at the arena's end rather than leave it. */
  if (free_list->len > 0)
    {
      Block *last = &g_array_index (free_list, Block, free_list->len - 1);
      if (last->offset + last->size == *arena)
        {
          guint64 off = last->offset;
          *arena = off + size;
          g_array_remove_index (free_list, free_list->len - 1);
          return off;
        }
    }
  {
    guint64 off = *arena;
    *arena += size;
    return off;
  }
}

static void
free_block (GArray *free_list, guint64 offset, guint64 size)
{
  guint i = 0;
  Block b = { offset, size };

  while (i < free_list->len && g_array_index (free_list, Block, i).offset < offset)
    i++;
  g_array_insert_val (free_list, i, b);
  /* Merge with the neighbours. */
  if (i + 1 < free_list->len)
    {
      Block *cur = &g_array_index (free_list, Block, i);
      Block *next = &g_array_index (free_list, Block, i + 1);
      if (cur->offset + cur->size == next->offset)
        {
          cur->size += next->size;
          g_array_remove_index (free_list, i + 1);
        }
    }
  if (i > 0)
    {
      Block *prev = &g_array_index (free_list, Block, i - 1);
      Block *cur = &g_array_index (free_list, Block, i);
      if (prev->offset + prev->size == cur->offset)
        {
          prev->size += cur->size;
          g_array_remove_index (free_list, i);
        }
    }
}

guint64
cs_graph_plan_memory (CsGraph *g, guint elem_size, guint64 alignment)
{
  g_autoptr(GArray) free_list = g_array_new (FALSE, FALSE, sizeof (Block));
  guint64 arena = 0;
  guint n_nodes = g->nodes->len;

  for (guint i = 0; i < g->tensors->len; i++)
    {
      CsTensor *t = cs_graph_tensor (g, i);
      t->alias = -1;
      t->last_use = -1;
      t->offset = G_MAXUINT64;
      t->bytes = 0;
    }
  for (guint i = 0; i < n_nodes; i++)
    {
      CsNode *n = cs_graph_node (g, i);
      if (cs_node_is_view (g, n))
        cs_graph_tensor (g, n->outputs[0])->alias = n->inputs[0];
    }
  for (guint i = 0; i < n_nodes; i++)
    {
      CsNode *n = cs_graph_node (g, i);
      if (n->dead)
        continue;
      for (int k = 0; k < n->n_inputs; k++)
        if (n->inputs[k] >= 0)
          {
            CsTensor *r = cs_graph_tensor (g, alias_root (g, n->inputs[k]));
            r->last_use = MAX (r->last_use, (int) i);
          }
      if (n->fused_add >= 0)
        {
          CsTensor *r = cs_graph_tensor (g, alias_root (g, n->fused_add));
          r->last_use = MAX (r->last_use, (int) i);
        }
    }
  for (guint i = 0; i < g->outputs->len; i++)
    cs_graph_tensor (g, alias_root (g, g_array_index (g->outputs, int, i)))->last_use = G_MAXINT;
  for (guint i = 0; i < g->tensors->len; i++)
    if (cs_graph_tensor (g, i)->keep_alive)
      cs_graph_tensor (g, alias_root (g, i))->last_use = G_MAXINT;

  /* Inputs first: they are written before the network runs. */
  for (guint i = 0; i < g->inputs->len; i++)
    {
      CsTensor *t = cs_graph_tensor (g, g_array_index (g->inputs, int, i));
      if (t->data != NULL || t->dtype != CS_DTYPE_FLOAT)
        continue;
      t->bytes = align_up (MAX (cs_tensor_numel (t), 1) * elem_size, alignment);
      t->offset = alloc_block (free_list, &arena, t->bytes);
    }
  for (guint i = 0; i < n_nodes; i++)
    {
      CsNode *n = cs_graph_node (g, i);
      if (n->dead)
        continue;
      for (int k = 0; k < n->n_outputs; k++)
        {
          CsTensor *t = cs_graph_tensor (g, n->outputs[k]);
          if (t == NULL || t->data != NULL || t->alias >= 0 || t->offset != G_MAXUINT64)
            continue;
          t->bytes = align_up (MAX (cs_tensor_numel (t), 1) * elem_size, alignment);
          t->offset = alloc_block (free_list, &arena, t->bytes);
          if (t->last_use < 0)
            t->last_use = i; /* never read: free right after */
        }
      /* Release what this node was the last to read. */
      for (guint k = 0; k < g->tensors->len; k++)
        {
          CsTensor *t = cs_graph_tensor (g, k);
          if (t->last_use == (int) i && t->alias < 0 && t->offset != G_MAXUINT64 && t->bytes > 0)
            {
              free_block (free_list, t->offset, t->bytes);
              t->last_use = -2; /* released */
            }
        }
    }
  /* Views read their root's memory. */
  for (guint i = 0; i < g->tensors->len; i++)
    {
      CsTensor *t = cs_graph_tensor (g, i);
      if (t->alias >= 0)
        {
          CsTensor *r = cs_graph_tensor (g, alias_root (g, i));
          t->offset = r->offset;
          t->bytes = r->bytes;
        }
    }
  return MAX (arena, alignment);
}
