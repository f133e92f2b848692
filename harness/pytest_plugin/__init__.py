"""pytest integration: collect ``*.scenario`` files, one item per cell; results and updates at the end."""
